namespace MailTumble.Core.Aliases;

/// <summary>
/// An alias's operator-set words: a <see cref="Note"/> (never in mail) and a <see cref="DisplayName"/> (the name in the
/// <c>From</c> of replies sent from the alias). In a change, null leaves a value as it is and an empty string clears it.
/// </summary>
/// <param name="Note">Free text for the operator.</param>
/// <param name="DisplayName">The name shown with the alias in a reply's <c>From</c>.</param>
public sealed record AliasLabels(string? Note = null, string? DisplayName = null)
{
    /// <summary>The longest note kept.</summary>
    public const int MaxNoteLength = 500;

    /// <summary>The longest display name kept.</summary>
    public const int MaxDisplayNameLength = 100;

    /// <summary>Changes nothing.</summary>
    public static AliasLabels None { get; } = new();

    /// <summary>Whether this change touches anything.</summary>
    public bool IsEmpty => Note is null && DisplayName is null;

    /// <summary>
    /// The change with both values trimmed; throws <see cref="FormatException"/> for a control character (a line break
    /// would end a header or a listing line) or a value longer than its limit.
    /// </summary>
    public AliasLabels Checked() => new(Check(Note, "note", MaxNoteLength), Check(DisplayName, "display name", MaxDisplayNameLength));

    /// <summary>The stored form of a value from <see cref="Checked"/>: null when cleared.</summary>
    public static string? Stored(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string? Check(string? value, string what, int max)
    {
        if (value is null)
        {
            return null;
        }

        var trimmed = value.Trim();
        if (trimmed.Any(char.IsControl))
        {
            throw new FormatException($"the {what} must be one line without control characters");
        }

        return trimmed.Length <= max ? trimmed : throw new FormatException($"the {what} is {trimmed.Length} characters long; at most {max} are kept");
    }
}
