using System.Text.Json.Serialization;
using MailTumble.Core.Fairness;

namespace MailTumble.Api;

/// <summary><c>GET /queue/lanes</c>: the fair-share lanes, deepest first.</summary>
internal sealed record LaneReportDocument(
    [property: JsonPropertyName("available")] bool Available,
    [property: JsonPropertyName("enabled")] bool Enabled,
    [property: JsonPropertyName("lane_by")] string LaneBy,
    [property: JsonPropertyName("rate")] double Rate,
    [property: JsonPropertyName("lanes")] long Lanes,
    [property: JsonPropertyName("due_lanes")] long DueLanes,
    [property: JsonPropertyName("top")] IReadOnlyList<LaneRowDocument> Top)
{
    /// <summary>Maps a lane report.</summary>
    public static LaneReportDocument From(LaneReport report) => new(
        report.Available,
        report.Enabled,
        report.LaneBy,
        report.Rate,
        report.Lanes,
        report.DueLanes,
        report.Rows.Select(r => LaneRowDocument.From(r, report.Enabled)).ToList());
}
