namespace MailTumble.Core.Receiving;

/// <summary>An SMTP reply: code, enhanced status and text.</summary>
/// <param name="Code">The three-digit reply code.</param>
/// <param name="Text">The text, starting with the enhanced status code.</param>
public sealed record SmtpReply(int Code, string Text)
{
    /// <summary>Whether the reply is a 2xx.</summary>
    public bool IsSuccess => Code is >= 200 and < 300;

    /// <summary>Whether the reply is a 4xx.</summary>
    public bool IsTransient => Code is >= 400 and < 500;

    /// <inheritdoc />
    public override string ToString() => $"{Code} {Text}";
}
