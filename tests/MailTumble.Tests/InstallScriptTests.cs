using System.Diagnostics;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>The README's <c>./install</c>: afterwards the <c>mailtumble</c> command it uses everywhere exists and works.</summary>
public sealed class InstallScriptTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Install_puts_a_working_mailtumble_command_under_the_prefix()
    {
        var root = RepositoryRoot();
        var prefix = Path.Combine(_dir.Path, "prefix");
        var (code, output) = await RunAsync(Path.Combine(root, "install"), root, prefix);
        Assert.True(code == 0, output);
        var command = Path.Combine(prefix, "bin", "mailtumble");
        Assert.True(File.Exists(command), output);

        // Used as the README does, from the user's own directory: ./data is created there.
        var work = Path.Combine(_dir.Path, "work");
        Directory.CreateDirectory(work);
        var added = await RunAsync(command, work, "alias", "add", "x7g2@mask.example.com", "john@real.example.org");
        Assert.Equal((0, "added x7g2@mask.example.com -> john@real.example.org\n"), added);
        Assert.True(File.Exists(Path.Combine(work, "data", "mailtumble.db")));
        Assert.Equal(64, (await RunAsync(command, work, "frobnicate")).Code);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MailTumble.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (MailTumble.slnx) is not above " + AppContext.BaseDirectory);
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(file) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Only this test's variables: settings of the test run must not reach the installed command.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MailTumble", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => _dir.Dispose();
}
