using Microsoft.Extensions.Configuration;

namespace MailTumble.Cli;

/// <summary>
/// The one error style of the command line: <c>mailtumble: message</c> on one line of standard error. The stack
/// trace is for developers and only printed when <c>MAILTUMBLE_VERBOSE</c> is set (to <c>1</c> or <c>true</c>).
/// </summary>
internal static class CliErrors
{
    /// <summary>The environment variable that asks for stack traces.</summary>
    public const string VerboseVariable = "MAILTUMBLE_VERBOSE";

    /// <summary>Whether stack traces were asked for, in the configuration (environment included) or the environment.</summary>
    public static bool Verbose(IConfiguration? configuration)
    {
        var value = configuration?[VerboseVariable] ?? Environment.GetEnvironmentVariable(VerboseVariable);
        return value is "1" || string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Reports <paramref name="exception"/> as one line (the messages of its causes joined) and returns <paramref name="exitCode"/>.</summary>
    public static async Task<int> ReportAsync(TextWriter error, Exception exception, int exitCode, bool verbose, string? prefix = null)
    {
        await error.WriteLineAsync("mailtumble: " + prefix + Describe(exception)).ConfigureAwait(false);
        if (verbose)
        {
            await error.WriteLineAsync(exception.ToString()).ConfigureAwait(false);
        }

        return exitCode;
    }

    /// <summary>The messages of the exception and its causes, without repeats, on one line.</summary>
    public static string Describe(Exception exception)
    {
        var messages = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is AggregateException { InnerExceptions.Count: 1 })
            {
                continue;
            }

            var message = string.Join(' ', current.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
            if (message.Length > 0 && !messages.Exists(m => m.Contains(message, StringComparison.Ordinal)))
            {
                messages.Add(message);
            }
        }

        return messages.Count == 0 ? exception.GetType().Name : string.Join(": ", messages);
    }
}
