using MailTumble.Core.Aliases;
using Microsoft.Extensions.Configuration;

namespace MailTumble.Hosting;

/// <summary>
/// <c>MailTumble:Domains</c> in both forms: a list (<c>Domains:0 = mask.example.com</c>), and domains named by key with
/// settings (<c>Domains:mask.example.com:AutoCreate = true</c>). A domain named by key is one of ours too.
/// </summary>
internal static class DomainSettings
{
    /// <summary>The domains named by key (those with settings).</summary>
    public static IEnumerable<string> Named(IConfigurationSection root) =>
        root.GetSection("Domains").GetChildren()
            .Where(c => c.Value is null && !int.TryParse(c.Key, out _))
            .Select(c => c.Key.Trim().TrimEnd('.').ToLowerInvariant());

    /// <summary>Reads each named domain's settings into <paramref name="domains"/>.</summary>
    public static void Bind(IConfigurationSection root, IDictionary<string, DomainOptions> domains)
    {
        foreach (var child in root.GetSection("Domains").GetChildren().Where(c => c.Value is null && !int.TryParse(c.Key, out _)))
        {
            var settings = new DomainOptions();
            child.Bind(settings);
            domains[child.Key.Trim().TrimEnd('.').ToLowerInvariant()] = settings;
        }
    }
}
