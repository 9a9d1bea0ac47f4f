using System.Net;
using System.Net.Sockets;
using System.Text;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace MailTumble.Smtp.Inbound;

/// <summary>Accepts connections, refuses them with 421 when full or draining, and wraps the rest in a guard stream.</summary>
internal sealed class GuardedEndpointListener : IEndpointListener
{
    private readonly TcpListener _listener;
    private readonly ListenerState _state;
    private readonly SmtpListenerOptions _options;

    public GuardedEndpointListener(IPEndPoint endpoint, ListenerState state, SmtpListenerOptions options)
    {
        _state = state;
        _options = options;
        _listener = new TcpListener(endpoint);
        try
        {
            _listener.Start(backlog: 512);
            state.SetBound((IPEndPoint)_listener.LocalEndpoint);
        }
        catch (Exception ex)
        {
            state.FailBound(ex);
            throw;
        }
    }

    public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
    {
        while (true)
        {
            var client = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            client.NoDelay = true;
            if (_state.Draining)
            {
                _ = RefuseAsync(client, "421 4.3.2 Service shutting down, try again later");
                continue;
            }

            if (_state.Active >= _options.MaxConnections)
            {
                _ = RefuseAsync(client, "421 4.7.0 Too many connections, try again later");
                continue;
            }

            _state.Enter();
            var remote = client.Client.RemoteEndPoint;
            context.Properties[EndpointListener.LocalEndPointKey] = _listener.LocalEndpoint;
            context.Properties[EndpointListener.RemoteEndPointKey] = remote!;
            var session = new SessionGuard { Remote = remote?.ToString() ?? "unknown" };
            context.Properties[SessionGuard.PropertyKey] = session;
            var stream = new SmtpGuardStream(client.GetStream(), session, _options, _state.DrainToken);
            return new GuardedPipe(stream, () =>
            {
                client.Dispose();
                _state.Leave();
            });
        }
    }

    public void Dispose() => _listener.Stop();

    private static async Task RefuseAsync(TcpClient client, string reply)
    {
        using (client)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException)
            {
                // The client left first.
            }
        }
    }
}
