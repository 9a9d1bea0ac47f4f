namespace MailTumble.Core.Aliases;

/// <summary>One row of <c>alias import</c> as read, before <see cref="AliasImportRow.Parse"/> checks it.</summary>
/// <param name="Address">The alias (or <c>@domain</c>).</param>
/// <param name="Target">One target or a comma-separated list.</param>
/// <param name="DisplayName">The display name; null when the file has no such column (kept as it is), empty to clear it.</param>
/// <param name="Note">The note; null when the file has no such column (kept as it is), empty to clear it.</param>
/// <param name="Disabled">The switch as written (<c>true</c>/<c>false</c>, <c>yes</c>/<c>no</c>, <c>1</c>/<c>0</c>); null or empty keeps it.</param>
public sealed record AliasImportLine(string Address, string Target, string? DisplayName = null, string? Note = null, string? Disabled = null);
