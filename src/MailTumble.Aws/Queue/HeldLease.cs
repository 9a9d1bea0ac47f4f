namespace MailTumble.Aws.Queue;

/// <summary>A lease this process holds: how long each extension lasts, since when it is held, and until when it is valid.</summary>
internal sealed record HeldLease(TimeSpan Visibility, DateTimeOffset Since, DateTimeOffset Until);
