using System.IO.Pipelines;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer.IO;

namespace MailTumble.Smtp.Inbound;

/// <summary>The duplex pipe SmtpServer reads and writes, over the guard stream.</summary>
internal sealed class GuardedPipe : ISecurableDuplexPipe
{
    private readonly SmtpGuardStream _stream;
    private readonly Action _onDispose;
    private int _disposed;

    public GuardedPipe(SmtpGuardStream stream, Action onDispose)
    {
        _stream = stream;
        _onDispose = onDispose;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
    }

    public PipeReader Input { get; }

    public PipeWriter Output { get; }

    public bool IsSecure => false;

    public SslProtocols SslProtocol => SslProtocols.None;

    // STARTTLS is not offered (no certificate is configured), so SmtpServer never calls this.
    public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("STARTTLS is not configured on this listener");

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _stream.Dispose();
        _onDispose();
    }
}
