using System.Text;
using MailTumble.Core.Aliases;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailTumble.Files.Tests;

public sealed class MapAliasDirectoryContractTests : AliasDirectoryContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override bool IsReadOnly => true;

    protected override Task<IAliasDirectory> CreateAsync(IReadOnlyList<AliasRecord> seed)
    {
        // YAML with every key quoted, so quotes, '#', '?' and non-ASCII in addresses survive.
        var yaml = new StringBuilder("aliases:\n");
        foreach (var alias in seed)
        {
            yaml.Append("  '").Append(alias.Address.Replace("'", "''", StringComparison.Ordinal)).Append("': { target: '")
                .Append(alias.Target).Append("', status: ").Append(AliasRules.Format(alias.Status));
            if (alias.DisplayName is not null)
            {
                yaml.Append(", display_name: '").Append(alias.DisplayName.Replace("'", "''", StringComparison.Ordinal)).Append('\'');
            }

            if (alias.Note is not null)
            {
                yaml.Append(", note: '").Append(alias.Note.Replace("'", "''", StringComparison.Ordinal)).Append('\'');
            }

            yaml.Append(" }\n");
        }

        var path = Path.Combine(_dir.Path, "aliases.yaml");
        File.WriteAllText(path, yaml.ToString());
        return Task.FromResult<IAliasDirectory>(new MapAliasDirectory(Options.Create(new MapFileOptions { Path = path }), TimeProvider.System, NullLogger<MapAliasDirectory>.Instance));
    }

    public void Dispose() => _dir.Dispose();
}
