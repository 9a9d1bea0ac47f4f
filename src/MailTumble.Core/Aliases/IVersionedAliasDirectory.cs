namespace MailTumble.Core.Aliases;

/// <summary>
/// A directory whose whole content can change behind MailTumble's back (a reloaded map file).
/// The cache drops everything when <see cref="Version"/> moves, so a reload is seen at once.
/// </summary>
public interface IVersionedAliasDirectory
{
    /// <summary>Changes whenever the content was reloaded; reading it may trigger a (cheap) check for changes.</summary>
    long Version { get; }
}
