namespace MailTumble.Core.Moderation;

/// <summary>Selects held messages (still undecided unless <see cref="IncludeDecided"/>); unset fields match everything.</summary>
/// <param name="Ids">Only these ids.</param>
/// <param name="Alias">Only mail for this alias.</param>
/// <param name="Sender">Only mail from this address (author or envelope) or, as <c>@domain</c>, this domain.</param>
/// <param name="HeldBefore">Only mail held before this time.</param>
/// <param name="Limit">At most this many (listings); null for all.</param>
/// <param name="IncludeDecided">Also approved and rejected entries (listings).</param>
public sealed record HeldQuery(
    IReadOnlyCollection<string>? Ids = null,
    string? Alias = null,
    string? Sender = null,
    DateTimeOffset? HeldBefore = null,
    int? Limit = null,
    bool IncludeDecided = false)
{
    /// <summary>Every undecided held message.</summary>
    public static HeldQuery All { get; } = new();
}
