namespace MailTumble.Core.Moderation;

/// <summary>A held message with what an operator needs to decide: the original headers and a text preview.</summary>
/// <param name="Message">The held entry, with its hold reason and decision.</param>
/// <param name="Headers">The original header block as received (empty when the stored copy is gone).</param>
/// <param name="Preview">The start of the plain-text body.</param>
public sealed record HeldDetails(HeldMessage Message, string Headers, string Preview);
