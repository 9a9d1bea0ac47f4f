using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailTumble.Core.Delivery;
using MailTumble.Core.Queue;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// The smarthost connection as production uses it (the SES SMTP interface: STARTTLS on 587 or TLS on 465, then
/// AUTH): mail goes out encrypted and authenticated, and a certificate that does not validate is refused unless
/// it is the one pinned by <c>MailTumble:Outbound:Smtp:CertificateSha256</c>.
/// </summary>
public sealed class OutboundSecurityTests : IDisposable
{
    private const string Alias = "x7g2@mask.example.com";
    private readonly X509Certificate2 _certificate = SelfSigned();

    [Theory]
    [InlineData("starttls", false)]
    [InlineData("tls", true)]
    public async Task Mail_goes_out_encrypted_and_authenticated_to_a_pinned_certificate(string security, bool implicitTls)
    {
        var sink = new TestSmtpSink(0, _certificate, ("ses-user", "ses-secret"), implicitTls);
        await using var relay = await RelayFixture.StartAsync(Settings(security, _certificate.GetCertHashString(HashAlgorithmName.SHA256)), sink: sink);
        await relay.AddAliasAsync(Alias, "john@real.example.org");

        await RelaySmtp.SendAsync(relay, "secure", Alias);
        var mail = Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.True(mail.Secure, "the session was not encrypted");
        Assert.Equal("ses-user", mail.User);
    }

    [Fact]
    public async Task A_certificate_that_does_not_validate_is_refused_and_the_mail_waits_in_the_queue()
    {
        var sink = new TestSmtpSink(0, _certificate, ("ses-user", "ses-secret"));
        await using var relay = await RelayFixture.StartAsync(Settings("starttls", pin: null), sink: sink);
        await relay.AddAliasAsync(Alias, "john@real.example.org");

        await RelaySmtp.SendAsync(relay, "secure", Alias);

        var queue = relay.Services.GetRequiredService<IOutgoingQueue>();
        await TriedAsync(relay, sink);
        Assert.Empty(relay.Sink.Messages);
        var stats = await queue.GetStatsAsync(default);
        Assert.Equal(1, stats.Depth);
        Assert.Equal(0, stats.DeadLetters);
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData(null)]
    public async Task Wrong_or_missing_credentials_never_deliver_and_nothing_is_dead_lettered(string? password)
    {
        var sink = new TestSmtpSink(0, _certificate, ("ses-user", "ses-secret"));
        var settings = Settings("starttls", _certificate.GetCertHashString(HashAlgorithmName.SHA256));
        settings["MailTumble:Outbound:Smtp:Password"] = password;
        if (password is null)
        {
            settings["MailTumble:Outbound:Smtp:Username"] = null;
        }

        await using var relay = await RelayFixture.StartAsync(settings, sink: sink);
        await relay.AddAliasAsync(Alias, "john@real.example.org");

        await RelaySmtp.SendAsync(relay, "secure", Alias);

        var queue = relay.Services.GetRequiredService<IOutgoingQueue>();
        await TriedAsync(relay, sink);
        Assert.Empty(relay.Sink.Messages);
        var stats = await queue.GetStatsAsync(default);
        // Deferred for a retry, not left leased by a worker that failed: the refusal is a setting to fix.
        Assert.Equal((1, 1, 0), (stats.Depth, stats.Deferred, stats.DeadLetters));
    }

    public void Dispose() => _certificate.Dispose();

    /// <summary>
    /// Waits until the relay has been at the provider and is done with that attempt (no send-out batch open): whatever
    /// it made of the refusal (retry, dead letter) is on record by then.
    /// </summary>
    private static Task TriedAsync(RelayFixture relay, TestSmtpSink sink)
    {
        var delivery = relay.Services.GetRequiredService<DeliveryService>();
        return Eventually.TrueAsync(() => sink.Sessions >= 1 && delivery.BatchesInFlight == 0, "the relay tried the provider and finished that attempt", RelayFixture.IdleTimeout);
    }

    private static Dictionary<string, string?> Settings(string security, string? pin) => new()
    {
        ["MailTumble:Outbound:Smtp:Security"] = security,
        ["MailTumble:Outbound:Smtp:Username"] = "ses-user",
        ["MailTumble:Outbound:Smtp:Password"] = "ses-secret",
        ["MailTumble:Outbound:Smtp:CertificateSha256"] = pin,
    };

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=smarthost.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
