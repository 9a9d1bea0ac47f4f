using MailTumble.Core.Aliases;
using Microsoft.Extensions.Logging;

namespace MailTumble.Core.Moderation;

/// <summary>
/// The log record of moderation decisions that are not about held mail: an alias held or released, a sender
/// rule set or removed, first-contact switched. Each line says who (<c>cli:&lt;user&gt;</c>, <c>api</c>, ...),
/// what, the new state and why; the time is the log's own.
/// </summary>
public sealed partial class ModerationAudit
{
    private readonly ILogger<ModerationAudit> _logger;

    /// <summary>Creates the audit log.</summary>
    public ModerationAudit(ILogger<ModerationAudit> logger) => _logger = logger;

    /// <summary>An alias's status was set by an operator.</summary>
    public void AliasStatusSet(string alias, AliasStatus status, string by, string? reason) =>
        LogAliasStatus(_logger, alias, AliasRules.Format(status), by, reason ?? string.Empty);

    /// <summary>A sender rule was created or replaced.</summary>
    public void SenderRuleSet(SenderRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        LogRuleSet(_logger, rule.Action.ToString().ToLowerInvariant() + (rule.Silent ? " (silent)" : string.Empty), rule.Pattern, rule.Alias ?? "*", rule.CreatedBy, rule.Note ?? string.Empty);
    }

    /// <summary>A sender rule was removed.</summary>
    public void SenderRuleRemoved(string pattern, string? alias, string by) =>
        LogRuleRemoved(_logger, pattern, alias ?? "*", by);

    /// <summary>First-contact moderation was switched for an alias (or every alias); null means back to the setting.</summary>
    public void FirstContactSet(string? alias, bool? enabled, string by) =>
        LogFirstContact(_logger, alias ?? "*", enabled switch { true => "on", false => "off", null => "default" }, by);

    [LoggerMessage(EventId = 1140, Level = LogLevel.Information, Message = "Alias <{Alias}> set {Status} by {By}: {Reason}")]
    private static partial void LogAliasStatus(ILogger logger, string alias, string status, string by, string reason);

    [LoggerMessage(EventId = 1141, Level = LogLevel.Information, Message = "Sender rule {Action} {Pattern} alias={Alias} set by {By}: {Note}")]
    private static partial void LogRuleSet(ILogger logger, string action, string pattern, string alias, string by, string note);

    [LoggerMessage(EventId = 1142, Level = LogLevel.Information, Message = "Sender rule for {Pattern} alias={Alias} removed by {By}")]
    private static partial void LogRuleRemoved(ILogger logger, string pattern, string alias, string by);

    [LoggerMessage(EventId = 1143, Level = LogLevel.Information, Message = "First-contact moderation {State} for alias={Alias} by {By}")]
    private static partial void LogFirstContact(ILogger logger, string alias, string state, string by);
}
