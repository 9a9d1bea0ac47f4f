namespace MailTumble.Core.Rewriting;

/// <summary>The outcome of rewriting one delivery.</summary>
/// <param name="Verdict">Forward, dead-letter as a loop, or refuse.</param>
/// <param name="Headers">The rewritten header block, CRLF line ends, without the empty separator line (empty when refused).</param>
/// <param name="Reason">Why it is not forwarded; null for <see cref="RewriteVerdict.Forward"/>.</param>
public sealed record RewriteResult(RewriteVerdict Verdict, byte[] Headers, string? Reason);
