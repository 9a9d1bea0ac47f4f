namespace MailTumble.Core.Directory;

/// <summary>One row of <c>alias import</c>, parsed alike by every writable driver.</summary>
/// <param name="Alias">The alias (or <c>@domain</c> catch-all) the row writes.</param>
/// <param name="Targets">The row's targets.</param>
public sealed record AliasImportRow(AliasKey Alias, IReadOnlyList<string> Targets)
{
    /// <summary>
    /// Parses row <paramref name="number"/> (1-based); throws <see cref="FormatException"/> naming the row and what is wrong.
    /// </summary>
    public static AliasImportRow Parse(int number, string address, string target)
    {
        ArgumentNullException.ThrowIfNull(address);
        var alias = AliasKey.TryParse(address.Trim(), out var a) ? a : throw new FormatException($"row {number}: '{address}' is not a valid alias address");
        try
        {
            return new AliasImportRow(alias, AliasTargets.Parse(target));
        }
        catch (FormatException ex)
        {
            throw new FormatException($"row {number}: {ex.Message}", ex);
        }
    }
}
