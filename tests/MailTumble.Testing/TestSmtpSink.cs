using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace MailTumble.Testing;

/// <summary>
/// A real SMTP server on loopback standing in for the smarthost / provider. It records what it
/// accepts and can be told to answer with any reply (throttling, temporary or permanent failure).
/// </summary>
public sealed class TestSmtpSink : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

    public TestSmtpSink(int port = 0)
        : this(port, certificate: null, credentials: null)
    {
    }

    /// <summary>
    /// A sink that offers STARTTLS with <paramref name="certificate"/> (or speaks TLS from the first byte with
    /// <paramref name="implicitTls"/>) and, with <paramref name="credentials"/>, accepts mail only after AUTH.
    /// </summary>
    public TestSmtpSink(int port, X509Certificate2? certificate, (string User, string Password)? credentials, bool implicitTls = false)
    {
        Port = port == 0 ? FreePort() : port;
        var options = new SmtpServerOptionsBuilder()
            .ServerName("sink.test")
            .Endpoint(b =>
            {
                b.Endpoint(new IPEndPoint(IPAddress.Loopback, Port));
                if (certificate is not null)
                {
                    b.Certificate(certificate).IsSecure(implicitTls);
                }

                if (credentials is not null)
                {
                    b.AuthenticationRequired().AllowUnsecureAuthentication(false);
                }
            })
            .Build();
        var services = new ServiceProvider();
        services.Add(new Store(this));
        if (credentials is { } c)
        {
            services.Add(new Authenticator(c.User, c.Password));
        }

        var server = new SmtpServer.SmtpServer(options, services);
        server.SessionCreated += (_, _) => Interlocked.Increment(ref _sessions);
        _running = server.StartAsync(_stop.Token);
    }

    public int Port { get; }

    /// <summary>Time since the sink started, on the clock that stamps <see cref="ReceivedMail.Arrived"/>.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public ConcurrentQueue<ReceivedMail> Messages { get; } = new();

    /// <summary>Decides the reply to each DATA (argument: 1-based attempt number); null means 250.</summary>
    public Func<int, SmtpResponse?> Responder { get; set; } = _ => null;

    /// <summary>Decides the reply to each DATA by its first recipient, before <see cref="Responder"/>; null means go on.</summary>
    public Func<string, SmtpResponse?>? RecipientResponder { get; set; }

    /// <summary>The text of the 250 reply to an accepted message (a provider puts its message id here, as SES does).</summary>
    public Func<ReceivedMail, string>? AcceptText { get; set; }

    public int Attempts => _attempts;

    /// <summary>SMTP sessions opened against the sink (connection reuse shows as fewer sessions than messages).</summary>
    public int Sessions => _sessions;

    private int _sessions;

    private int _attempts;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until at least <paramref name="count"/> messages were accepted.</summary>
    public async Task<IReadOnlyList<ReceivedMail>> WaitForAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (Messages.Count < count)
        {
            try
            {
                await _arrived.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the sink received {Messages.Count} of {count} messages within {timeout}");
            }
        }

        return Messages.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception)
        {
        }

        _stop.Dispose();
    }

    private sealed class Store(TestSmtpSink sink) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            var attempt = Interlocked.Increment(ref sink._attempts);
            var first = transaction.To.Select(m => $"{m.User}@{m.Host}").FirstOrDefault() ?? string.Empty;
            var response = sink.RecipientResponder?.Invoke(first) ?? sink.Responder(attempt);
            if (response is not null)
            {
                return Task.FromResult(response);
            }

            var from = transaction.From is null ? string.Empty : $"{transaction.From.User}@{transaction.From.Host}";
            var to = transaction.To.Select(m => $"{m.User}@{m.Host}").ToList();
            var mail = new ReceivedMail(from, to, buffer.ToArray())
            {
                Arrived = sink._clock.Elapsed,
                Secure = context.Pipe.IsSecure,
                User = context.Authentication.IsAuthenticated ? context.Authentication.User : null,
                Parameters = transaction.Parameters.ToDictionary(p => p.Key.ToUpperInvariant(), p => p.Value, StringComparer.Ordinal),
            };
            var text = sink.AcceptText?.Invoke(mail);
            sink.Messages.Enqueue(mail);
            sink._arrived.Release();
            return Task.FromResult(text is null ? SmtpResponse.Ok : new SmtpResponse(SmtpReplyCode.Ok, text));
        }
    }

    private sealed class Authenticator(string expectedUser, string expectedPassword) : IUserAuthenticator
    {
        public Task<bool> AuthenticateAsync(ISessionContext context, string user, string password, CancellationToken cancellationToken) =>
            Task.FromResult(user == expectedUser && password == expectedPassword);
    }
}
