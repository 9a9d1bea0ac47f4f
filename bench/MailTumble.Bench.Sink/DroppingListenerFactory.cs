using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace MailTumble.Bench.Sink;

/// <summary>
/// Plain TCP listeners whose connections can all be cut at once, as a provider that goes down cuts them: cancelling
/// SmtpServer instead answers a transaction in the middle of DATA with a bare "554", which no real outage does.
/// </summary>
internal sealed class DroppingListenerFactory : IEndpointListenerFactory
{
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();

    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) =>
        new Listener((IPEndPoint)endpointDefinition.Endpoint, _open);

    /// <summary>Resets every open connection (RST, no reply).</summary>
    public void DropAll()
    {
        foreach (var client in _open.Keys)
        {
            client.Client.LingerState = new LingerOption(true, 0);
            client.Dispose();
            _open.TryRemove(client, out _);
        }
    }

    private sealed class Listener : IEndpointListener
    {
        private readonly TcpListener _listener;
        private readonly ConcurrentDictionary<TcpClient, byte> _open;

        public Listener(IPEndPoint endpoint, ConcurrentDictionary<TcpClient, byte> open)
        {
            _open = open;
            _listener = new TcpListener(endpoint);
            _listener.Start(backlog: 512);
        }

        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var client = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            client.NoDelay = true;
            _open[client] = 0;
            context.Properties[EndpointListener.LocalEndPointKey] = _listener.LocalEndpoint;
            context.Properties[EndpointListener.RemoteEndPointKey] = client.Client.RemoteEndPoint!;
            return new PlainPipe(client.GetStream(), () =>
            {
                _open.TryRemove(client, out _);
                client.Dispose();
            });
        }

        public void Dispose() => _listener.Stop();
    }
}
