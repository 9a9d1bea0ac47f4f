using System.Text.Json.Serialization;
using MailTumble.Core.Feedback;

namespace MailTumble.Api;

/// <summary><c>GET /aliases/{address}/feedback</c>: the feedback recorded for an alias.</summary>
internal sealed record AliasFeedbackDocument(
    [property: JsonPropertyName("alias")] string Alias,
    [property: JsonPropertyName("permanent_bounces")] int PermanentBounces,
    [property: JsonPropertyName("transient_bounces")] int TransientBounces,
    [property: JsonPropertyName("complaints")] int Complaints,
    [property: JsonPropertyName("deliveries")] int Deliveries,
    [property: JsonPropertyName("bounce_sub_types")] IReadOnlyDictionary<string, int> BounceSubTypes)
{
    /// <summary>Maps an alias's summary.</summary>
    public static AliasFeedbackDocument From(string alias, FeedbackSummary summary) => new(
        alias,
        summary.PermanentBounces,
        summary.TransientBounces,
        summary.Complaints,
        summary.Deliveries,
        summary.BounceSubTypes);
}
