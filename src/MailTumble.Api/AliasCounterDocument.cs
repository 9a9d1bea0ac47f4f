using System.Text.Json.Serialization;
using MailTumble.Core.Counters;

namespace MailTumble.Api;

/// <summary>An alias's counters in <c>GET /aliases/{address}</c>: forwarded, replied, blocked.</summary>
public sealed record AliasCounterDocument(
    [property: JsonPropertyName("forwarded")] long Forwarded,
    [property: JsonPropertyName("replied")] long Replied,
    [property: JsonPropertyName("blocked")] long Blocked)
{
    /// <summary>Maps the counts.</summary>
    public static AliasCounterDocument From(AliasCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        return new(counts.Forwarded, counts.Replied, counts.Blocked);
    }
}
