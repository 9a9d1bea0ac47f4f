namespace MailTumble.Core.Aliases;

/// <summary>Shorthands over <see cref="IAliasAdmin"/>.</summary>
public static class AliasAdminExtensions
{
    /// <summary>Creates or updates an alias from a target list as written (<c>x@real</c> or <c>x@real,y@real</c>).</summary>
    public static Task<bool> UpsertAsync(this IAliasAdmin admin, string address, string targets, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        return admin.UpsertAsync(address, AliasTargets.Parse(targets), cancellationToken);
    }

    /// <summary>Counts one feedback event on the alias as a whole (its only target).</summary>
    public static Task<bool> RecordFeedbackAsync(this IAliasAdmin admin, string address, FeedbackKind kind, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        return admin.RecordFeedbackAsync(address, null, kind, cancellationToken);
    }
}
