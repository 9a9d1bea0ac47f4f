using System.Text;
using MailTumble.Core.Rewriting;
using MailTumble.Core.Signing;
using MailTumble.Files;
using MailTumble.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Xunit.Abstractions;

namespace MailTumble.Core.Tests;

public sealed class DkimSigningTests : IDisposable
{
    private const string Selector = "mt1";
    private const string Domain = "mask.example.com";
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
    private readonly TempDirectory _keys = new();
    private readonly string _record;
    private readonly DkimSigning _signing;
    private readonly ITestOutputHelper _output;

    public DkimSigningTests(ITestOutputHelper output)
    {
        _output = output;
        var (pem, publicKey) = DkimKeys.Generate(2048);
        var file = DkimKeys.PathOf(_keys.Path, Selector, Domain);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, pem);
        _record = DkimKeys.RecordValue(publicKey);
        _signing = new DkimSigning(Options.Create(new DkimOptions { Selector = Selector, KeyDirectory = _keys.Path }), new KeyFiles(), Time, NullLogger<DkimSigning>.Instance);
    }

    private static string Headers(string from = "Brand Shop via x7g2 <x7g2@mask.example.com>") =>
        $"From: {from}\r\nTo: John <john@real.example.org>\r\nSubject: =?UTF-8?B?w7xiZXIgeW91ciBvcmRlcg==?=\r\n"
        + "Date: Sat, 28 Nov 2026 12:00:00 +0000\r\nMessage-ID: <m1@brand.example>\r\nReply-To: x7g2+shop=brand.example.k3j9a2mxq4@mask.example.com\r\n"
        + "X-Long: a folded\r\n\tfield that stays as it is\r\nMIME-Version: 1.0\r\nContent-Type: text/plain;\r\n charset=utf-8\r\n";

    [Fact]
    public void A_message_from_a_domain_with_a_key_is_signed_relaxed_rsa_sha256_with_the_listed_fields_and_the_header_block_kept_byte_for_byte()
    {
        var headers = Encoding.ASCII.GetBytes(Headers());
        var body = "Your order has shipped.\nLine two with trailing blanks   \n\n\n"u8.ToArray();
        var signed = _signing.Sign(headers, new MemoryStream(body)).ToArray();

        var text = Encoding.ASCII.GetString(signed);
        Assert.StartsWith("DKIM-Signature:", text, StringComparison.Ordinal);
        Assert.EndsWith(Headers(), text, StringComparison.Ordinal);
        Assert.DoesNotContain("\r\n\r\n", text, StringComparison.Ordinal);
        Assert.Equal(text.Length - Headers().Length, text.IndexOf(Headers(), StringComparison.Ordinal));
        Assert.DoesNotMatch("[^\r]\n", text);

        var message = Load(signed, body);
        var signature = message.Headers[HeaderId.DkimSignature]!;
        Assert.Contains("a=rsa-sha256", signature, StringComparison.Ordinal);
        Assert.Contains("c=relaxed/relaxed", signature, StringComparison.Ordinal);
        Assert.Contains($"d={Domain}", signature, StringComparison.Ordinal);
        Assert.Contains($"s={Selector}", signature, StringComparison.Ordinal);
        Assert.Contains("h=from:to:subject:date:message-id:mime-version:content-type:reply-to", signature.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\t", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains($"t={Time.GetUtcNow().ToUnixTimeSeconds()}", signature, StringComparison.Ordinal);
        Assert.True(Verify(message), "MimeKit's verifier accepts the signature");

        // A changed signed field, or a changed body, no longer verifies.
        Assert.False(Verify(Load(Encoding.ASCII.GetBytes(text.Replace("Message-ID: <m1@", "Message-ID: <m2@", StringComparison.Ordinal)), body)));
        Assert.False(Verify(Load(signed, "Your order has NOT shipped.\n"u8.ToArray())));
    }

    [Fact]
    public void A_message_from_another_domain_is_left_as_it_is_and_without_a_selector_nothing_is_signed()
    {
        var headers = Encoding.ASCII.GetBytes(Headers("someone@other.example"));
        Assert.Equal(headers, _signing.Sign(headers, new MemoryStream("x\r\n"u8.ToArray())).ToArray());

        var off = new DkimSigning(Options.Create(new DkimOptions { KeyDirectory = _keys.Path }), new KeyFiles(), Time, NullLogger<DkimSigning>.Instance);
        Assert.False(off.Enabled);
        Assert.True(_signing.Enabled);
        Assert.Equal([Domain], _signing.Domains);
    }

    [Fact]
    public void Start_up_names_the_setting_when_the_selector_has_no_key_or_an_unreadable_one()
    {
        var validator = new DkimOptionsValidator(new KeyFiles());
        Assert.True(validator.Validate(null, new DkimOptions { Selector = Selector, KeyDirectory = _keys.Path }).Succeeded);
        Assert.True(validator.Validate(null, new DkimOptions { KeyDirectory = _keys.Path }).Succeeded);

        var missing = validator.Validate(null, new DkimOptions { Selector = "other", KeyDirectory = _keys.Path });
        Assert.Contains("MailTumble:Dkim:Selector is 'other'", missing.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("mailtumble dkim keygen", missing.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("MailTumble:Dkim:Selector", validator.Validate(null, new DkimOptions { Selector = "bad selector", KeyDirectory = _keys.Path }).FailureMessage, StringComparison.Ordinal);

        // A key made elsewhere in PKCS#8 reads as well.
        using (var rsa = System.Security.Cryptography.RSA.Create(2048))
        {
            File.WriteAllText(DkimKeys.PathOf(_keys.Path, Selector, "pkcs8.example"), rsa.ExportPkcs8PrivateKeyPem());
        }

        Assert.True(validator.Validate(null, new DkimOptions { Selector = Selector, KeyDirectory = _keys.Path }).Succeeded);

        File.WriteAllText(DkimKeys.PathOf(_keys.Path, Selector, "broken.example"), "not a key");
        var broken = validator.Validate(null, new DkimOptions { Selector = Selector, KeyDirectory = _keys.Path });
        Assert.Contains("broken.example.pem", broken.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signing_a_20_MB_message_streams_the_body_from_its_file_and_allocates_a_small_fraction_of_it()
    {
        var path = Path.Combine(_keys.Path, "big.body");
        var line = Encoding.ASCII.GetBytes(new string('x', 74) + "\n");
        using (var file = File.Create(path))
        {
            for (var written = 0; written < 20 * 1024 * 1024; written += line.Length)
            {
                file.Write(line);
            }
        }

        var headers = Encoding.ASCII.GetBytes(Headers());
        _signing.Sign(headers, new MemoryStream(line));
        using var body = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var signed = _signing.Sign(headers, body);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        _output.WriteLine($"signing a {body.Length / (1024.0 * 1024):0.0} MB body allocated {allocated / 1024.0:0} KB on the signing thread");

        Assert.Equal(body.Length, body.Position);
        Assert.True(allocated < 2 * 1024 * 1024, $"signing allocated {allocated} bytes for a {body.Length}-byte body");

        // And the signature is right: verified over the whole message as it is sent.
        using var sent = new MemoryStream();
        sent.Write(signed.Span);
        sent.Write("\r\n"u8);
        using (var source = File.OpenRead(path))
        {
            await CrlfBody.CopyAsync(source, sent, default);
        }

        sent.Position = 0;
        Assert.True(Verify(MimeMessage.Load(sent)));
    }

    public void Dispose() => _keys.Dispose();

    private static MimeMessage Load(byte[] headers, byte[] body) =>
        MimeMessage.Load(new MemoryStream([.. headers, .. "\r\n"u8.ToArray(), .. CrlfBody.Normalize(body)]));

    private bool Verify(MimeMessage message)
    {
        var verifier = new DkimVerifier(new RecordLocator(_record));
        return verifier.Verify(message, message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)]);
    }

    private sealed class RecordLocator(string record) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            GetPublicKey(record);

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(GetPublicKey(record));
    }
}
