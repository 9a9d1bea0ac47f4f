using MailTumble.Core.Aliases;
using System.ComponentModel.DataAnnotations;

namespace MailTumble.Sql;

/// <summary>
/// The <c>mysql</c> and <c>postgres</c> alias directories: <c>MailTumble:Directory:ConnectionString</c>
/// and <c>MailTumble:Directory:Sql:*</c>. <c>MailTumble:Directory:Sql:Timeout</c> is read by the host as the older name of
/// <c>MailTumble:Directory:Resilience:Timeout</c> (see <see cref="DirectoryResilienceOptions"/>).
/// </summary>
public sealed class SqlDirectoryOptions
{
    /// <summary>The server's ADO.NET connection string.</summary>
    [Required(ErrorMessage = "MailTumble:Directory:ConnectionString is required for the mysql and postgres directory drivers")]
    public string? ConnectionString { get; set; }

    /// <summary>The alias table (a plain identifier).</summary>
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]{0,62}$", ErrorMessage = "MailTumble:Directory:Sql:Table must be a plain identifier (letters, digits, '_')")]
    public string Table { get; set; } = "aliases";

    /// <summary>Whether to create the table (and its index) when it is missing.</summary>
    public bool CreateTable { get; set; } = true;

    /// <summary>
    /// Optional lookup query for an existing schema. It receives the lower-cased address as <c>@address</c>
    /// and must return a column <c>email</c> (the target) and may return <c>status</c>, <c>count_bounce</c>,
    /// <c>count_complaint</c>, <c>count_delivery</c> and <c>optout</c>.
    /// </summary>
    public string? LookupQuery { get; set; }

    /// <summary>
    /// Optional query that tells whether a domain is ours, for an existing schema when <c>MailTumble:Domains</c> is
    /// empty. It receives the lower-cased domain as <c>@domain</c> and returns a row when the domain is ours.
    /// Without it the driver asks its own table's <c>domain</c> column, which a custom <see cref="LookupQuery"/> may not have.
    /// </summary>
    public string? DomainQuery { get; set; }

    /// <summary>
    /// More permanent bounces than this mean dead. The host sets it from <c>MailTumble:Feedback:MaxBounces</c>
    /// (default 3, the original system's rule), so every driver applies the same limit.
    /// </summary>
    [Range(0, 1000)]
    public int BounceLimit { get; set; } = AliasRules.BounceLimit;
}
