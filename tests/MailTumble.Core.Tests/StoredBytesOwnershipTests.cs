using System.Text.RegularExpressions;

namespace MailTumble.Core.Tests;

/// <summary>
/// One owner of stored bytes: <c>StoredMessages</c> is the only code that deletes from a raw store. Everything else
/// (queues, held stores, commands, endpoints, the intake) reports released keys to it. This reads the sources, as the
/// rule is about who calls what.
/// </summary>
public sealed partial class StoredBytesOwnershipTests
{
    [Fact]
    public void Only_StoredMessages_deletes_from_a_raw_store()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "MailTumble.slnx")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var offenders = new List<string>();
        var scanned = 0;
        foreach (var file in System.IO.Directory.EnumerateFiles(Path.Combine(root.FullName, "src"), "*.cs", SearchOption.AllDirectories))
        {
            if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var text = File.ReadAllText(file);
            scanned++;
            var names = RawStoreName().Matches(text).Concat(ResolvedRawStore().Matches(text)).Select(m => m.Groups[1].Value).Distinct().ToList();
            var direct = DirectDelete().IsMatch(text);
            var viaName = names.Any(n => Regex.IsMatch(text, $@"\b{Regex.Escape(n)}\s*\.\s*DeleteAsync\s*\("));
            // A raw store that wraps another implements the port's delete; it decides nothing.
            var implementsPort = Regex.IsMatch(text, @"class\s+\w+(\([^)]*\))?\s*:\s*([\w.]+\s*,\s*)*IRawStore\b");
            if ((direct || viaName) && !implementsPort && Path.GetFileName(file) != "StoredMessages.cs")
            {
                offenders.Add(Path.GetRelativePath(root.FullName, file));
            }
        }

        Assert.True(scanned > 50, $"scanned only {scanned} source files under {root.FullName}/src");
        Assert.Empty(offenders);
    }

    /// <summary>A field, parameter or local typed as the port: <c>IRawStore raw</c>, <c>IRawStore _raw</c>.</summary>
    [GeneratedRegex(@"\bIRawStore\??\s+(\w+)")]
    private static partial Regex RawStoreName();

    /// <summary>A local taken from the container: <c>var raw = services.GetRequiredService&lt;IRawStore&gt;()</c>.</summary>
    [GeneratedRegex(@"\bvar\s+(\w+)\s*=[^;]*<IRawStore>\(\)")]
    private static partial Regex ResolvedRawStore();

    [GeneratedRegex(@"GetRequiredService<IRawStore>\(\)\s*\.\s*DeleteAsync|GetService<IRawStore>\(\)\??\s*\.\s*DeleteAsync")]
    private static partial Regex DirectDelete();
}
