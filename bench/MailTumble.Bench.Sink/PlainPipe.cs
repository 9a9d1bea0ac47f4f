using System.IO.Pipelines;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer.IO;

namespace MailTumble.Bench.Sink;

/// <summary>The duplex pipe SmtpServer reads and writes, over a plain network stream.</summary>
internal sealed class PlainPipe(Stream stream, Action onDispose) : ISecurableDuplexPipe
{
    private int _disposed;

    public PipeReader Input { get; } = PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: true));

    public PipeWriter Output { get; } = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));

    public bool IsSecure => false;

    public SslProtocols SslProtocol => SslProtocols.None;

    public Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("no TLS in the bench sink");

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            stream.Dispose();
            onDispose();
        }
    }
}
