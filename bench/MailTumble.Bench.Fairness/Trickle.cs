using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MailTumble.Bench.Fairness;

/// <summary>
/// The other senders: one message every <c>--every</c> seconds from each of <c>--domains</c> sender domains (spread over
/// the interval) for <c>--for</c> seconds. Logs "Q ms tag" when the relay answers 250, so latency is queue to provider.
/// </summary>
internal static class Trickle
{
    public static async Task<int> RunAsync(Args args)
    {
        var port = args.Int("port", 2525);
        var to = args.Get("to");
        var domains = args.Int("domains", 5);
        var every = TimeSpan.FromSeconds(args.Double("every", 2));
        var duration = TimeSpan.FromSeconds(args.Double("for", 60));
        await using var log = new StreamWriter(args.Get("log"), append: false) { AutoFlush = true };
        var gate = new Lock();
        var failures = 0;
        var start = DateTimeOffset.UtcNow;
        var senders = Enumerable.Range(1, domains).Select(async d =>
        {
            var offset = every * (d - 1) / domains;
            for (var n = 0; offset + (every * n) < duration; n++)
            {
                var due = start + offset + (every * n);
                var wait = due - DateTimeOffset.UtcNow;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait).ConfigureAwait(false);
                }

                var tag = string.Create(CultureInfo.InvariantCulture, $"d{d}-{n}");
                var reply = await SendAsync(port, $"me@sender{d}.example", to, tag).ConfigureAwait(false);
                var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                lock (gate)
                {
                    if (reply.StartsWith("250", StringComparison.Ordinal))
                    {
                        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Q {at} {tag}"));
                    }
                    else
                    {
                        failures++;
                        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"F {at} {tag} {reply}"));
                    }
                }
            }
        });
        await Task.WhenAll(senders).ConfigureAwait(false);
        Console.WriteLine($"trickle: {domains} domains, every {every.TotalSeconds} s for {duration.TotalSeconds} s, {failures} not accepted");
        return failures == 0 ? 0 : 1;
    }

    private static async Task<string> SendAsync(int port, string from, string to, string tag)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port).ConfigureAwait(false);
        await using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        async Task<string> Reply()
        {
            string? line;
            do
            {
                line = await reader.ReadLineAsync().ConfigureAwait(false) ?? "closed";
            }
            while (line.Length > 3 && line[3] == '-');
            return line;
        }

        async Task<string> Command(string text)
        {
            await writer.WriteLineAsync(text).ConfigureAwait(false);
            return await Reply().ConfigureAwait(false);
        }

        await Reply().ConfigureAwait(false);
        await Command("EHLO trickle.bench.test").ConfigureAwait(false);
        foreach (var command in (string[])[$"MAIL FROM:<{from}>", $"RCPT TO:<{to}>", "DATA"])
        {
            var reply = await Command(command).ConfigureAwait(false);
            if (reply[0] is not ('2' or '3'))
            {
                return reply;
            }
        }

        await writer.WriteAsync($"From: <{from}>\r\nSubject: personal {tag}\r\nX-Bench-Tag: {tag}\r\n\r\nA personal message.\r\n.\r\n").ConfigureAwait(false);
        var result = await Reply().ConfigureAwait(false);
        await Command("QUIT").ConfigureAwait(false);
        return result;
    }
}
