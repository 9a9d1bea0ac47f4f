using System.Diagnostics;
using System.Globalization;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>
/// A private Postfix instance on loopback (configuration as in <c>bench/lib/common.sh</c>): mail for
/// <c>mask.example.com</c> goes to MailTumble's listener, everything else to a relay host.
/// </summary>
internal sealed class PostfixInstance : IAsyncDisposable
{
    private readonly string _base;

    private PostfixInstance(string @base, int port)
    {
        _base = @base;
        Port = port;
    }

    public int Port { get; }

    public string Log => File.Exists(Path.Combine(_base, "maillog")) ? File.ReadAllText(Path.Combine(_base, "maillog")) : "(no maillog)";

    /// <summary>True when Postfix is installed; false outside CI without it (the caller skips), an error in CI.</summary>
    public static bool Available()
    {
        var found = File.Exists("/usr/sbin/postfix");
        if (!found && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            throw new InvalidOperationException("Postfix is not installed but CI is set: .ci/run installs it");
        }

        return found;
    }

    public static async Task<PostfixInstance> StartAsync(int port, int relayPort, int localPort)
    {
        var @base = Path.Combine(Path.GetTempPath(), "mailtumble-postfix-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path.Combine(@base, "etc"));
        Directory.CreateDirectory(Path.Combine(@base, "spool"));
        Directory.CreateDirectory(Path.Combine(@base, "data"));
        await RunAsync("chmod", "755", @base);
        await RunAsync("chown", "postfix", Path.Combine(@base, "data"));
        await File.WriteAllTextAsync(Path.Combine(@base, "etc", "transport"), $"mask.example.com smtp:[127.0.0.1]:{localPort}\n");
        string Setting(string name) => RunAsync("postconf", "-h", name).GetAwaiter().GetResult().Trim();
        var ci = CultureInfo.InvariantCulture;
        await File.WriteAllTextAsync(Path.Combine(@base, "etc", "main.cf"), string.Create(ci, $"""
            compatibility_level = 3.6
            meta_directory = {Setting("meta_directory")}
            shlib_directory = {Setting("shlib_directory")}
            daemon_directory = {Setting("daemon_directory")}
            command_directory = {Setting("command_directory")}
            queue_directory = {@base}/spool
            data_directory = {@base}/data
            mail_owner = postfix
            setgid_group = postdrop
            myhostname = postfix.test
            mydestination =
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            alias_maps =
            alias_database =
            relayhost = [127.0.0.1]:{relayPort}
            transport_maps = texthash:{@base}/etc/transport
            smtp_dns_support_level = disabled
            smtpd_relay_restrictions = permit_mynetworks, reject
            maillog_file_prefixes = {@base}
            maillog_file = {@base}/maillog

            """));
        await File.WriteAllTextAsync(Path.Combine(@base, "etc", "master.cf"), string.Create(ci, $"""
            127.0.0.1:{port} inet n - n - - smtpd
            pickup    unix n - n 60 1 pickup
            cleanup   unix n - n - 0 cleanup
            qmgr      unix n - n 300 1 qmgr
            rewrite   unix - - n - - trivial-rewrite
            bounce    unix - - n - 0 bounce
            defer     unix - - n - 0 bounce
            trace     unix - - n - 0 bounce
            verify    unix - - n - 1 verify
            flush     unix n - n 1000? 0 flush
            proxymap  unix - - n - - proxymap
            smtp      unix - - n - - smtp
            relay     unix - - n - - smtp
            showq     unix n - n - - showq
            error     unix - - n - - error
            retry     unix - - n - - error
            discard   unix - - n - - discard
            anvil     unix - - n - 1 anvil
            scache    unix - - n - 1 scache
            postlog   unix-dgram n - n - 1 postlogd

            """));
        var instance = new PostfixInstance(@base, port);
        var output = await RunAsync("postfix", "-c", Path.Combine(@base, "etc"), "start");
        try
        {
            await Eventually.TrueAsync(
                async () =>
                {
                    using var probe = new System.Net.Sockets.TcpClient();
                    await probe.ConnectAsync(System.Net.IPAddress.Loopback, port);
                    return true;
                },
                $"postfix listens on {port}");
            return instance;
        }
        catch (TimeoutException)
        {
        }

        await instance.DisposeAsync();
        throw new InvalidOperationException($"postfix did not start on {port}: {output}");
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("postfix", "-c", Path.Combine(_base, "etc"), "stop");
        try
        {
            Directory.Delete(_base, recursive: true);
        }
        catch (IOException)
        {
            // A Postfix daemon may still be writing as it exits; the temp folder is left behind.
        }
    }

    private static async Task<string> RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output + error;
    }
}
