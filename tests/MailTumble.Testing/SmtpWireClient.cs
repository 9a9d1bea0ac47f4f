using System.Net.Sockets;
using System.Text;

namespace MailTumble.Testing;

/// <summary>A byte-level SMTP client for protocol tests: sends exactly what it is given, reads replies.</summary>
public sealed class SmtpWireClient : IAsyncDisposable
{
    private readonly TcpClient _client = new();
    private NetworkStream _stream = null!;
    private readonly StringBuilder _pending = new();

    public static Task<SmtpWireClient> ConnectAsync(int port) => ConnectAsync(port, null);

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/>, from <paramref name="from"/> (e.g. 127.0.0.2) when given.</summary>
    public static async Task<SmtpWireClient> ConnectAsync(int port, System.Net.IPAddress? from)
    {
        var client = new SmtpWireClient();
        if (from is not null)
        {
            client._client.Client.Bind(new System.Net.IPEndPoint(from, 0));
        }

        await client._client.ConnectAsync("127.0.0.1", port);
        client._stream = client._client.GetStream();
        return client;
    }

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>Reads one whole reply (all continuation lines); returns it, or null when the server closed.</summary>
    public async Task<string?> ReadReplyAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var reply = new StringBuilder();
        while (true)
        {
            var line = await ReadLineAsync(cts.Token);
            if (line is null)
            {
                return reply.Length == 0 ? null : reply.ToString();
            }

            reply.Append(line).Append('\n');
            if (line.Length < 4 || line[3] != '-')
            {
                return reply.ToString().TrimEnd('\n');
            }
        }
    }

    /// <summary>Sends a command line and returns the reply.</summary>
    public async Task<string?> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Whether the server has closed the connection (reads until EOF or timeout).</summary>
    public async Task<bool> IsClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await ReadLineAsync(cts.Token) is not null)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        var buffer = new byte[1];
        while (true)
        {
            var text = _pending.ToString();
            var index = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (index >= 0)
            {
                _pending.Remove(0, index + 2);
                return text[..index];
            }

            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, ct);
            }
            catch (IOException)
            {
                read = 0;
            }

            if (read == 0)
            {
                return null;
            }

            _pending.Append((char)buffer[0]);
        }
    }
}
