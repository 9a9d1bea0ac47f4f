using MailTumble.Core.Moderation;

namespace MailTumble.Postgres;

/// <summary>All sender rules and first-contact settings, as one node loaded them at one moment.</summary>
internal sealed record RuleSnapshot(IReadOnlyList<SenderRule> Rules, IReadOnlyDictionary<string, bool> FirstContact, DateTimeOffset LoadedAt);
