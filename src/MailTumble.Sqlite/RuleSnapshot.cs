using MailTumble.Core.Moderation;

namespace MailTumble.Sqlite;

/// <summary>All sender rules and first-contact settings, as loaded at one moment.</summary>
internal sealed record RuleSnapshot(IReadOnlyList<SenderRule> Rules, IReadOnlyDictionary<string, bool> FirstContact, DateTimeOffset LoadedAt);
