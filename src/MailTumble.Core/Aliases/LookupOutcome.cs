namespace MailTumble.Core.Aliases;

/// <summary>The three answers a directory can give.</summary>
public enum LookupOutcome
{
    /// <summary>The alias exists; see its status.</summary>
    Found,

    /// <summary>No such alias.</summary>
    NotFound,

    /// <summary>The directory could not answer now; the sender must try again later.</summary>
    TemporaryFailure,
}
