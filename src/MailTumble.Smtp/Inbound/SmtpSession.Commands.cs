using System.Text;
using System.Text.Unicode;
using MailTumble.Core.Receiving;

namespace MailTumble.Smtp.Inbound;

/// <summary>The commands of the conversation: EHLO, MAIL, RCPT, DATA and the small ones.</summary>
internal sealed partial class SmtpSession
{
    private const string SyncError = "5.5.0 Error: SMTP protocol synchronization";
    private readonly List<RecipientDecision> _recipients = [];
    private string? _from;
    private bool _utf8;
    private bool _rcptSeen;

    private ValueTask HandleAsync(int length)
    {
        var verb = CommandSyntax.Split(_line.AsSpan(0, length), out var arguments);
        switch (Command(verb))
        {
            case "EHLO":
                Hello(arguments, extended: true);
                break;
            case "HELO":
                Hello(arguments, extended: false);
                break;
            case "MAIL":
                Mail(arguments);
                break;
            case "RCPT":
                var address = ParseRecipient(arguments);
                return address is null ? ValueTask.CompletedTask : RecipientAsync(address);
            case "DATA":
                return StartData(arguments) ? DataAsync() : ValueTask.CompletedTask;
            case "RSET":
                ResetTransaction();
                Reply(250, "2.0.0 Ok");
                break;
            case "NOOP":
                if (!OutOfStep("NOOP"))
                {
                    Reply(250, "2.0.0 Ok");
                }

                break;
            case "QUIT":
                Close(221, "2.0.0 Bye");
                break;
            case "VRFY":
                Reply(502, "5.5.1 VRFY command is disabled");
                break;
            case "EXPN" or "HELP" or "TURN" or "ETRN" or "STARTTLS" or "AUTH" or "BDAT":
                Reply(502, "5.5.1 Command not implemented");
                break;
            default:
                Reply(500, "5.5.2 Error: command not recognized");
                break;
        }

        return ValueTask.CompletedTask;
    }

    private static string? Command(ReadOnlySpan<byte> verb)
    {
        if (verb.Length is < 4 or > 8 || !Ascii.IsValid(verb))
        {
            return null;
        }

        Span<char> upper = stackalloc char[verb.Length];
        Ascii.ToUpper(verb, upper, out _);
        return upper switch
        {
            "EHLO" => "EHLO",
            "HELO" => "HELO",
            "MAIL" => "MAIL",
            "RCPT" => "RCPT",
            "DATA" => "DATA",
            "RSET" => "RSET",
            "NOOP" => "NOOP",
            "QUIT" => "QUIT",
            "VRFY" => "VRFY",
            "EXPN" => "EXPN",
            "HELP" => "HELP",
            "TURN" => "TURN",
            "ETRN" => "ETRN",
            "STARTTLS" => "STARTTLS",
            "AUTH" => "AUTH",
            "BDAT" => "BDAT",
            _ => null,
        };
    }

    /// <summary>
    /// RFC 2920: EHLO, HELO, NOOP and DATA must end a pipelined group, since what follows depends on their reply.
    /// Input that arrived before the reply is refused as Postfix 3.9 does (<c>smtpd_forbid_unauth_pipelining</c>):
    /// 554 5.5.0 and the connection is closed, so nothing the client sent ahead is taken for a command or content.
    /// </summary>
    private bool OutOfStep(string command)
    {
        if (!SentAhead())
        {
            return false;
        }

        LogOutOfStep(_settings.Logger, Remote, command);
        Close(554, SyncError);
        return true;
    }

    private void Hello(ReadOnlySpan<byte> arguments, bool extended)
    {
        if (OutOfStep(extended ? "EHLO" : "HELO"))
        {
            return;
        }

        var name = arguments.Trim((byte)' ');
        if (name.IsEmpty || CommandSyntax.HasEightBit(name))
        {
            Reply(501, extended ? "5.5.4 Syntax: EHLO hostname" : "5.5.4 Syntax: HELO hostname");
            return;
        }

        ResetTransaction();
        if (!extended)
        {
            Reply(250, _settings.ServerName);
            return;
        }

        Write(250, '-', _settings.ServerName);
        Write(250, '-', "PIPELINING");
        Write(250, '-', "SIZE " + _options.MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Write(250, '-', "8BITMIME");
        Write(250, '-', "ENHANCEDSTATUSCODES");
        Reply(250, "SMTPUTF8");
    }

    private void Mail(ReadOnlySpan<byte> arguments)
    {
        if (_from is not null)
        {
            Reply(503, "5.5.1 Error: nested MAIL command");
            return;
        }

        if (!CommandSyntax.TryParsePath(arguments, "FROM:"u8, out var address, out var parameters))
        {
            Reply(501, "5.5.4 Syntax: MAIL FROM:<address>");
            return;
        }

        var utf8 = false;
        while (CommandSyntax.NextParameter(ref parameters, out var keyword, out var value, out var valid))
        {
            if (!valid)
            {
                Reply(501, "5.5.4 Bad parameter syntax: " + CommandSyntax.Printable(keyword));
                return;
            }

            if (Ascii.EqualsIgnoreCase(keyword, "SIZE"u8))
            {
                if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size))
                {
                    Reply(501, "5.5.4 Bad SIZE parameter");
                    return;
                }

                if (size > _options.MaxMessageBytes)
                {
                    Reply(552, $"5.3.4 Message size exceeds the limit of {_options.MaxMessageBytes} bytes");
                    return;
                }
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "BODY"u8))
            {
                if (!Ascii.EqualsIgnoreCase(value, "7BIT"u8) && !Ascii.EqualsIgnoreCase(value, "8BITMIME"u8))
                {
                    Reply(501, "5.5.4 Bad BODY parameter (7BIT or 8BITMIME)");
                    return;
                }
            }
            else if (Ascii.EqualsIgnoreCase(keyword, "SMTPUTF8"u8) && value.IsEmpty)
            {
                utf8 = true;
            }
            else
            {
                Reply(555, "5.5.4 Unsupported parameter: " + CommandSyntax.Printable(keyword));
                return;
            }
        }

        if (CheckEncoding(address, utf8, "Sender") is { } refusal)
        {
            Reply(refusal);
            return;
        }

        _from = Encoding.UTF8.GetString(address);
        _utf8 = utf8;
        Reply(250, "2.1.0 Ok");
    }

    /// <summary>Parses RCPT; null when it was answered already (bad sequence or syntax, too many recipients).</summary>
    private string? ParseRecipient(ReadOnlySpan<byte> arguments)
    {
        if (_from is null)
        {
            Reply(503, "5.5.1 Error: need MAIL command");
            return null;
        }

        if (!CommandSyntax.TryParsePath(arguments, "TO:"u8, out var address, out var parameters))
        {
            Reply(501, "5.5.4 Syntax: RCPT TO:<address>");
            return null;
        }

        _rcptSeen = true;
        if (CommandSyntax.NextParameter(ref parameters, out var keyword, out _, out _))
        {
            Reply(555, "5.5.4 Unsupported parameter: " + CommandSyntax.Printable(keyword));
            return null;
        }

        if (address.IsEmpty)
        {
            Reply(501, "5.1.3 Bad recipient address syntax");
            return null;
        }

        if (CheckEncoding(address, _utf8, "Recipient") is { } refusal)
        {
            Reply(refusal);
            return null;
        }

        if (_recipients.Count >= _options.MaxRecipients)
        {
            Reply(452, $"4.5.3 Too many recipients (at most {_options.MaxRecipients} per message)");
            return null;
        }

        return Encoding.UTF8.GetString(address);
    }

    private async ValueTask RecipientAsync(string address)
    {
        var decision = await _settings.Intake.CheckRecipientAsync(_from!, address, _abort.Token).ConfigureAwait(false);
        if (decision.Accepted)
        {
            _recipients.Add(decision);
        }

        Reply(decision.Reply);
    }

    /// <summary>
    /// An address with bytes outside US-ASCII needs the SMTPUTF8 parameter on MAIL (RFC 6531: 553 5.6.7), and then
    /// must be valid UTF-8; without this, 8-bit bytes would reach headers as replacement characters.
    /// </summary>
    private static SmtpReply? CheckEncoding(ReadOnlySpan<byte> address, bool utf8, string role)
    {
        if (!CommandSyntax.HasEightBit(address))
        {
            return null;
        }

        if (!utf8)
        {
            return new SmtpReply(553, $"5.6.7 {role} address has non-ASCII characters, which need the SMTPUTF8 parameter on MAIL FROM");
        }

        return Utf8.IsValid(address) ? null : new SmtpReply(553, $"5.6.7 {role} address is not valid UTF-8");
    }

    private bool StartData(ReadOnlySpan<byte> arguments)
    {
        if (!arguments.Trim((byte)' ').IsEmpty)
        {
            Reply(501, "5.5.4 Syntax: DATA");
            return false;
        }

        if (_from is null)
        {
            Reply(503, "5.5.1 Error: need MAIL command");
            return false;
        }

        if (!_rcptSeen)
        {
            Reply(503, "5.5.1 Error: need RCPT command");
            return false;
        }

        if (_recipients.Count == 0)
        {
            Reply(554, "5.5.1 Error: no valid recipients");
            return false;
        }

        return !OutOfStep("DATA");
    }

    private void ResetTransaction()
    {
        _from = null;
        _utf8 = false;
        _rcptSeen = false;
        _recipients.Clear();
    }
}
