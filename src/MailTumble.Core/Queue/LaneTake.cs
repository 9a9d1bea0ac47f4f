namespace MailTumble.Core.Queue;

/// <summary>Part of a fair lease: up to <paramref name="Max"/> due items from one lane.</summary>
/// <param name="Lane">The lane key.</param>
/// <param name="Max">The most items to lease from it (at least 1).</param>
public sealed record LaneTake(string Lane, int Max);
