using MailTumble.Core.Aliases;
using System.ComponentModel.DataAnnotations;

namespace MailTumble.Aws;

/// <summary>
/// The <c>dynamodb</c> alias directory: <c>MailTumble:Directory:DynamoDb:Table</c>, with the endpoint from
/// <c>MailTumble:Aws:Region</c> and <c>MailTumble:Aws:DynamoDbServiceUrl</c> (an emulator such as dynalite).
/// </summary>
public sealed class DynamoDbDirectoryOptions
{
    /// <summary>The table, keyed by <c>alias</c> (string).</summary>
    [Required(ErrorMessage = "MailTumble:Directory:DynamoDb:Table is required for the dynamodb directory driver")]
    public string? Table { get; set; }

    /// <summary>The AWS region, e.g. <c>eu-west-1</c>; with a service URL it only signs requests.</summary>
    public string? Region { get; set; }

    /// <summary>An endpoint override, e.g. <c>http://127.0.0.1:4567</c> for dynalite.</summary>
    public string? ServiceUrl { get; set; }

    /// <summary>Whether to create the table (on demand billing) when it is missing; meant for emulators and tests.</summary>
    public bool CreateTable { get; set; }

    /// <summary>
    /// The AWS SDK's timeout per request (lookups and changes). The host also reads it as the older name of
    /// <c>MailTumble:Directory:Resilience:Timeout</c>, which bounds a lookup as a whole (451 past it).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// More permanent bounces than this mean dead. The host sets it from <c>MailTumble:Feedback:MaxBounces</c>
    /// (default 3, the original system's rule), so every driver applies the same limit.
    /// </summary>
    [Range(0, 1000)]
    public int BounceLimit { get; set; } = AliasRules.BounceLimit;
}
