using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace MailTumble.Cli;

/// <summary>
/// Turns what goes wrong with settings at start-up into one line that names the setting, in place of the framework's
/// texts: a failed validation, a value the binder cannot convert, an address already in use.
/// </summary>
internal static partial class SettingErrors
{
    /// <summary>Where each options class is bound from, to name a setting the validation message leaves unnamed.</summary>
    private static readonly Dictionary<string, string> Sections = new(StringComparer.Ordinal)
    {
        ["ReceiveOptions"] = "MailTumble",
        ["DeliveryOptions"] = "MailTumble:Outbound",
        ["OutboundSmtpOptions"] = "MailTumble:Outbound:Smtp",
        ["SmtpListenerOptions"] = "MailTumble:Smtp",
        ["ApiOptions"] = "MailTumble:Api",
        ["SqliteOptions"] = "MailTumble:Sqlite",
        ["ModerationOptions"] = "MailTumble:Moderation",
        ["FeedbackOptions"] = "MailTumble:Feedback",
        ["RewriteOptions"] = "MailTumble:Rewrite",
        ["DirectoryCacheOptions"] = "MailTumble:Directory:Cache",
        ["MapFileOptions"] = "MailTumble:Directory:Map",
        ["RestDirectoryOptions"] = "MailTumble:Directory:Rest",
        ["SqlDirectoryOptions"] = "MailTumble:Directory:Sql",
        ["DynamoDbDirectoryOptions"] = "MailTumble:Directory:DynamoDb",
        ["AwsOptions"] = "MailTumble:Aws",
        ["PostgresOptions"] = "MailTumble:Postgres",
    };

    /// <summary>
    /// The exit code and the line for a failure caused by settings, or null for anything else; <paramref name="listening"/>
    /// (for <c>serve</c>) also names the listen setting of an address that cannot be bound.
    /// </summary>
    public static (int Code, string Message)? Describe(Exception exception, IConfiguration configuration, bool listening = false)
    {
        ArgumentNullException.ThrowIfNull(exception);
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case MailTumble.Sqlite.DataDirectoryInUseException:
                    return (ExitCodes.TempFail, current.Message);
                case MailTumble.Postgres.PostgresUnavailableException:
                    return (ExitCodes.TempFail, current.Message);
                case MailTumble.Aws.Cluster.DynamoDbUnavailableException:
                    return (ExitCodes.TempFail, current.Message);
                case OptionsValidationException validation:
                    return (ExitCodes.Config, "invalid setting: " + string.Join("; ", validation.Failures.Select(Clean).Distinct(StringComparer.Ordinal)));
                case InvalidOperationException when ConversionFailure().Match(current.Message) is { Success: true } m:
                    return (ExitCodes.Config, $"invalid setting: {m.Groups["key"].Value} is '{m.Groups["value"].Value}', which is not {Expected(m.Groups["type"].Value)}");
                case IOException when listening && BindFailure().Match(current.Message) is { Success: true } m:
                    return (ExitCodes.Failure, $"cannot listen on {m.Groups["address"].Value} (MailTumble:Api:Listen): {m.Groups["reason"].Value.TrimEnd('.')}");
                case SocketException socket when listening:
                    // Kestrel's failures are IOExceptions (above); a bare socket error at start is the SMTP listener's.
                    return (ExitCodes.Failure, $"cannot listen on {configuration["MailTumble:Smtp:Listen"] ?? "127.0.0.1:2525"} (MailTumble:Smtp:Listen): {socket.Message.TrimEnd('.')}");
            }
        }

        return null;
    }

    /// <summary>One validation failure, without the framework's wrapping, naming the setting.</summary>
    internal static string Clean(string failure)
    {
        var m = DataAnnotationFailure().Match(failure);
        if (!m.Success)
        {
            return failure;
        }

        var error = m.Groups["error"].Value.TrimEnd('.');
        if (error.Contains("MailTumble:", StringComparison.Ordinal) || !Sections.TryGetValue(m.Groups["type"].Value, out var section))
        {
            return error;
        }

        var member = m.Groups["member"].Value;
        // "The field Timeout must be ..." names the property; the setting is what the operator knows.
        return $"{section}:{member}: {error.Replace($"The field {member} ", string.Empty, StringComparison.Ordinal)}";
    }

    private static string Expected(string type) => type switch
    {
        "System.Int32" or "System.Int64" or "System.Int16" or "System.UInt32" or "System.UInt64" => "a whole number",
        "System.Double" or "System.Single" or "System.Decimal" => "a number such as 14 or 0.5",
        "System.TimeSpan" => "a duration such as 00:05:00 (hh:mm:ss) or 7.00:00:00 (days)",
        "System.Boolean" => "true or false",
        _ when EnumNames(type) is { } names => "one of: " + names,
        _ => $"a valid value ({type})",
    };

    private static string? EnumNames(string type)
    {
        var found = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(type, throwOnError: false)).FirstOrDefault(t => t is { IsEnum: true });
        return found is null ? null : string.Join(", ", Enum.GetNames(found));
    }

    [GeneratedRegex(@"^DataAnnotation validation failed for '(?<type>[^']+)' members: '(?<member>[^']*)' with the error: '(?<error>.*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex ConversionFailure();

    [GeneratedRegex(@"^Failed to bind to address (?:https?://)?(?<address>\S+?): (?<reason>.*)$", RegexOptions.Singleline)]
    private static partial Regex BindFailure();
}
