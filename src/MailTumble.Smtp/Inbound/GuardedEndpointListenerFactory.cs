using System.Net;
using SmtpServer;
using SmtpServer.Net;

namespace MailTumble.Smtp.Inbound;

/// <summary>Gives SmtpServer our guarded listener instead of its own.</summary>
internal sealed class GuardedEndpointListenerFactory(ListenerState state, SmtpListenerOptions options) : IEndpointListenerFactory
{
    public IEndpointListener CreateListener(IEndpointDefinition endpointDefinition) =>
        new GuardedEndpointListener((IPEndPoint)endpointDefinition.Endpoint, state, options);
}
