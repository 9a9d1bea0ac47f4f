namespace MailTumble.Core.Receiving;

/// <summary>The intake's outcome for one recipient.</summary>
/// <param name="Address">The recipient as given.</param>
/// <param name="Disposition">What was done.</param>
/// <param name="Reply">The reply for this recipient (the refusal, or the message's reply for the rest).</param>
/// <param name="DeliveryId">The delivery id when it was queued, held or dead-lettered.</param>
public sealed record RecipientOutcome(string Address, RecipientDisposition Disposition, SmtpReply Reply, string? DeliveryId = null);
