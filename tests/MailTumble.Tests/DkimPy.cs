using System.Diagnostics;

namespace MailTumble.Tests;

/// <summary>
/// An independent DKIM verifier: Python's dkimpy (Debian python3-dkim, installed by <c>.ci/run</c>), asked to verify
/// a message with its DNS lookup answered by the TXT record <c>mailtumble dkim keygen</c> printed.
/// </summary>
internal static class DkimPy
{
    private const string Script = """
        import sys, dkim
        name, record = sys.argv[2].encode(), sys.argv[3].encode()
        def dnsfunc(query, timeout=5):
            return record if query.rstrip(b'.').lower() == name else None
        message = open(sys.argv[1], 'rb').read()
        verifier = dkim.DKIM(message)
        ok = verifier.verify(dnsfunc=dnsfunc)
        print('pass' if ok else 'fail', (verifier.signature_fields or {}).get(b'd', b'').decode(), (verifier.signature_fields or {}).get(b'h', b'').decode())
        sys.exit(0 if ok else 1)
        """;

    private static readonly Lazy<string?> Python = new(Find);

    /// <summary>The python with dkimpy, or skips the test (outside CI) saying how to get it.</summary>
    public static string Require()
    {
        if (Python.Value is { } python)
        {
            return python;
        }

        const string message = "python3 with dkimpy (Debian python3-dkim) is not installed: run .ci/run or apt-get install python3-dkim";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            throw new InvalidOperationException(message);
        }

        throw new Xunit.SkipException(message);
    }

    /// <summary>Verifies the first DKIM-Signature of <paramref name="message"/>; dkimpy's verdict line and whether it passed.</summary>
    public static async Task<(bool Pass, string Output)> VerifyAsync(byte[] message, string dnsName, string txtRecord)
    {
        var python = Require();
        var file = Path.Combine(Path.GetTempPath(), "mailtumble-dkim-" + Guid.NewGuid().ToString("N") + ".eml");
        await File.WriteAllBytesAsync(file, message);
        try
        {
            var (code, output) = await RunAsync(python, "-c", Script, file, dnsName.TrimEnd('.').ToLowerInvariant(), txtRecord);
            return (code == 0, output.Trim());
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string? Find()
    {
        foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                if (RunAsync(candidate, "-c", "import dkim").GetAwaiter().GetResult().Code == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }

        return null;
    }

    private static async Task<(int Code, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
