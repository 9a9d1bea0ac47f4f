using System.ComponentModel.DataAnnotations;

namespace MailTumble.Core.Aliases;

/// <summary>The lookup cache in front of every alias directory (<c>MailTumble:Directory:Cache</c>).</summary>
public sealed class DirectoryCacheOptions
{
    /// <summary>Whether lookups are cached at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a found alias is remembered.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan PositiveTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long "no such alias" is remembered (short, so a new alias works soon).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan NegativeTtl { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Entries kept at most; past it the cache starts over rather than grow without bound.</summary>
    [Range(1, 10_000_000)]
    public int MaxEntries { get; set; } = 100_000;
}
