namespace MailTumble.Core.Queue;

/// <summary>A delivery that failed for good.</summary>
/// <param name="Item">The delivery.</param>
/// <param name="Attempts">Attempts made.</param>
/// <param name="Reason">The last reply or the reason it was given up.</param>
/// <param name="DeadAt">When it was dead-lettered.</param>
public sealed record DeadLetter(OutgoingItem Item, int Attempts, string Reason, DateTimeOffset DeadAt);
