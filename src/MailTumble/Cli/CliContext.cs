using MailTumble.Core.Aliases;
using MailTumble.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary>What every command shares: configuration, output, and one error style.</summary>
internal sealed class CliContext(IConfigurationRoot configuration, TextWriter output, TextWriter error, Action<IServiceCollection>? extraServices = null)
{
    public IConfigurationRoot Configuration { get; } = configuration;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    /// <summary>
    /// Runs <paramref name="work"/> with the relay's services; any failure becomes one clear line and a non-zero exit.
    /// Failures not foreseen below exit with <paramref name="unexpectedExit"/> (an MTA pipe transport wants 75, so it retries).
    /// </summary>
    public async Task<int> RunAsync(Func<IServiceProvider, Task<int>> work, int unexpectedExit = ExitCodes.Failure)
    {
        try
        {
            await using var services = CliServices.Create(Configuration, extraServices);
            return await work(services).ConfigureAwait(false);
        }
        catch (Exception ex) when (SettingErrors.Describe(ex, Configuration) is { } setting)
        {
            await Error.WriteLineAsync("mailtumble: " + setting.Message).ConfigureAwait(false);
            return setting.Code;
        }
        catch (ReadOnlyDirectoryException ex)
        {
            await Error.WriteLineAsync("mailtumble: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.Config;
        }
        catch (FormatException ex)
        {
            await Error.WriteLineAsync("mailtumble: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.DataError;
        }
        catch (SqliteException ex)
        {
            await Error.WriteLineAsync($"mailtumble: database error in {MailTumbleConfiguration.DataDir(Configuration)}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.TempFail;
        }
        catch (IOException ex)
        {
            await Error.WriteLineAsync("mailtumble: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.TempFail;
        }
        catch (UnauthorizedAccessException ex)
        {
            await Error.WriteLineAsync("mailtumble: " + ex.Message).ConfigureAwait(false);
            return ExitCodes.TempFail;
        }
        catch (Exception ex)
        {
            return await CliErrors.ReportAsync(Error, ex, unexpectedExit, CliErrors.Verbose(Configuration)).ConfigureAwait(false);
        }
    }
}
