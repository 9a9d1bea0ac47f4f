using MailTumble.Core.Sending;
using MailTumble.Testing;
using Microsoft.Extensions.Options;

namespace MailTumble.Files.Tests;

public sealed class OutboxSenderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Writes_one_eml_per_delivery_with_the_envelope_and_the_body_untouched()
    {
        var outbox = Path.Combine(_dir.Path, "outbox");
        var sender = new OutboxSender(Options.Create(new FileStoreOptions { OutboxDirectory = outbox }), TimeProvider.System);
        var body = new byte[] { 0xE9, 0x0D, 0x0A, 0x00, 0xFF, 0x0D, 0x0A };
        var result = await sender.SendAsync(new PreparedMessage("d1", "relay@mask.example.com", "john@real.example.org", "Subject: x\r\n"u8.ToArray(), new MemoryStream(body)), default);

        Assert.Equal(SendOutcome.Sent, result.Outcome);
        var file = Assert.Single(Directory.GetFiles(outbox, "*.eml"));
        var bytes = await File.ReadAllBytesAsync(file);
        var expectedHead = "Return-Path: <relay@mask.example.com>\r\nDelivered-To: john@real.example.org\r\nSubject: x\r\n\r\n"u8.ToArray();
        Assert.Equal(expectedHead.Concat(body).ToArray(), bytes);
        Assert.Empty(Directory.GetFiles(Path.Combine(outbox, ".tmp")));
    }

    public void Dispose() => _dir.Dispose();
}
