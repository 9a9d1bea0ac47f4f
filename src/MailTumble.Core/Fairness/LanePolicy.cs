using MailTumble.Core.Aliases;
using MailTumble.Core.Rewriting;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Fairness;

/// <summary>Which lane and class a delivery goes in, by <c>MailTumble:Fairness:LaneBy</c>.</summary>
public sealed class LanePolicy
{
    /// <summary>Creates the policy from the (validated) settings.</summary>
    public LanePolicy(IOptions<FairnessOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Rule = LaneKeys.TryParse(options.Value.LaneBy, out var rule, out _) ? rule : new LaneRule(LaneBy.SenderDomain);
    }

    /// <summary>The rule in force.</summary>
    public LaneRule Rule { get; }

    /// <summary>The lane as far as it is known at <c>RCPT</c> time; null when it comes from a header of the message.</summary>
    public string? KeyAtRecipient(string envelopeFrom, AliasRecord alias) => Rule.By switch
    {
        LaneBy.Alias => LaneKeys.Clean(alias.Address),
        LaneBy.Target => LaneKeys.Clean(alias.Target),
        LaneBy.Header => null,
        _ => LaneKeys.ForSender(envelopeFrom),
    };

    /// <summary>The lane of one delivery of a received message.</summary>
    public string Key(string envelopeFrom, AliasRecord alias, ParsedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Rule.By == LaneBy.Header)
        {
            // A message without the header (or with an empty one) goes by its sender's domain, as if LaneBy were the default.
            var value = Header(message, Rule.Header!);
            return value is { Length: > 0 } ? LaneKeys.Clean(value) : LaneKeys.ForSender(envelopeFrom);
        }

        return KeyAtRecipient(envelopeFrom, alias)!;
    }

    /// <summary>Bulk mail: <c>Precedence: bulk</c>, <c>list</c> or <c>junk</c>, or a <c>List-Id</c> or <c>List-Unsubscribe</c> header.</summary>
    public static bool IsBulk(ParsedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        foreach (var field in message.Fields)
        {
            var name = message.Name(field);
            if (Is(name, "List-Id") || Is(name, "List-Unsubscribe"))
            {
                return true;
            }

            if (Is(name, "Precedence"))
            {
                var value = System.Text.Encoding.Latin1.GetString(message.Value(field)).Trim().ToLowerInvariant();
                if (value is "bulk" or "list" or "junk")
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static string? Header(ParsedMessage message, string name)
    {
        foreach (var field in message.Fields)
        {
            if (Is(message.Name(field), name))
            {
                // Unfolded and trimmed; a tenant id is short ASCII, anything else is still a stable key.
                return System.Text.Encoding.UTF8.GetString(message.Value(field)).Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal).Trim();
            }
        }

        return null;
    }

    private static bool Is(ReadOnlySpan<byte> name, string expected)
    {
        var trimmed = name.TrimEnd((byte)' ').TrimEnd((byte)'\t');
        if (trimmed.Length != expected.Length)
        {
            return false;
        }

        for (var i = 0; i < trimmed.Length; i++)
        {
            if (char.ToLowerInvariant((char)trimmed[i]) != char.ToLowerInvariant(expected[i]))
            {
                return false;
            }
        }

        return true;
    }
}
