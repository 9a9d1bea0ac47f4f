namespace MailTumble.Core.Rewriting;

/// <summary>How the display name of the new From is built from the original sender.</summary>
internal enum FromFormat
{
    /// <summary>The original display name, or <c>local at domain</c> when there is none.</summary>
    Name,

    /// <summary><c>Betsy at betsy@example.com</c>, the original system's form.</summary>
    NameAndAddress,

    /// <summary><c>betsy at example.com</c>.</summary>
    Address,

    /// <summary>No display name.</summary>
    None,
}
