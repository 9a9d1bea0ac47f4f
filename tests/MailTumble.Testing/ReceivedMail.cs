namespace MailTumble.Testing;

/// <summary>One message as the test SMTP server received it.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> To, byte[] Data)
{
    public string Text => System.Text.Encoding.Latin1.GetString(Data);

    /// <summary>When the message was accepted, on the sink's clock (<see cref="TestSmtpSink.Elapsed"/>).</summary>
    public TimeSpan Arrived { get; init; }

    /// <summary>Whether the session was encrypted (STARTTLS or TLS) when the message arrived.</summary>
    public bool Secure { get; init; }

    /// <summary>The user the session authenticated as, if any.</summary>
    public string? User { get; init; }

    /// <summary>The MAIL FROM parameters (BODY, SMTPUTF8, SIZE…), upper-case keys.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>The value of the first header named <paramref name="name"/> (unfolded), or null.</summary>
    public string? Header(string name)
    {
        foreach (var line in Text.Replace("\r\n ", " ", StringComparison.Ordinal).Replace("\r\n\t", " ", StringComparison.Ordinal).Split("\r\n"))
        {
            if (line.Length == 0)
            {
                return null;
            }

            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                return line[(name.Length + 1)..].Trim();
            }
        }

        return null;
    }
}
