namespace MailTumble.Core.Rewriting;

/// <summary>Where one header field (all of its folded lines) lies in <see cref="ParsedMessage.HeaderBlock"/>.</summary>
/// <param name="Start">Offset of the field name.</param>
/// <param name="NameLength">Length of the name, without trailing blanks and the colon.</param>
/// <param name="ValueStart">Offset just after the colon.</param>
/// <param name="End">Offset just after the field's last line end (or the block end).</param>
/// <param name="HasNul">Whether the field contains a NUL byte, which no receiver accepts.</param>
public readonly record struct HeaderField(int Start, int NameLength, int ValueStart, int End, bool HasNul);
