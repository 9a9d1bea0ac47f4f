namespace MailTumble.Core.Aliases;

/// <summary>One row of <c>alias import</c>, parsed alike by every writable driver.</summary>
/// <param name="Alias">The alias (or <c>@domain</c> catch-all) the row writes.</param>
/// <param name="Targets">The row's targets.</param>
public sealed record AliasImportRow(AliasKey Alias, IReadOnlyList<string> Targets)
{
    /// <summary>The row's display name and note (null: the file does not set it).</summary>
    public AliasLabels Labels { get; init; } = AliasLabels.None;

    /// <summary>True to disable the alias, false to switch a disabled one on, null to leave its switch alone.</summary>
    public bool? Disabled { get; init; }

    /// <summary>
    /// Parses row <paramref name="number"/> (1-based); throws <see cref="FormatException"/> naming the row and what is wrong.
    /// </summary>
    public static AliasImportRow Parse(int number, string address, string target) => Parse(number, new AliasImportLine(address, target));

    /// <summary>
    /// Parses row <paramref name="number"/> (1-based) with its optional columns; throws <see cref="FormatException"/>
    /// naming the row and what is wrong.
    /// </summary>
    public static AliasImportRow Parse(int number, AliasImportLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(line.Address);
        var alias = AliasKey.TryParse(line.Address.Trim(), out var a) ? a : throw new FormatException($"row {number}: '{line.Address}' is not a valid alias address");
        try
        {
            return new AliasImportRow(alias, AliasTargets.Parse(line.Target))
            {
                Labels = new AliasLabels(line.Note, line.DisplayName).Checked(),
                Disabled = Switch(line.Disabled),
            };
        }
        catch (FormatException ex)
        {
            throw new FormatException($"row {number}: {ex.Message}", ex);
        }
    }

    private static bool? Switch(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" => null,
        "true" or "yes" or "1" or "disabled" => true,
        "false" or "no" or "0" or "active" or "enabled" => false,
        _ => throw new FormatException($"disabled '{text}' must be true or false (yes/no, 1/0)"),
    };
}
