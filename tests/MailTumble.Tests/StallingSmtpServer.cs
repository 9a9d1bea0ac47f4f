using System.Net;
using System.Net.Sockets;

namespace MailTumble.Tests;

/// <summary>
/// A smarthost that accepts connections and never says a word, so deliveries sent to it stay in flight (leased) for as
/// long as the sender waits: what a crash in the middle of sending leaves behind.
/// </summary>
internal sealed class StallingSmtpServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];
    private readonly Task _loop;
    private int _connections;

    public StallingSmtpServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _loop = AcceptAsync();
    }

    public int Port { get; }

    public int Connections => Volatile.Read(ref _connections);

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        lock (_accepted)
        {
            foreach (var socket in _accepted)
            {
                socket.Dispose();
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            var socket = await _listener.AcceptSocketAsync();
            lock (_accepted)
            {
                _accepted.Add(socket);
            }

            Interlocked.Increment(ref _connections);
        }
    }
}
