using MailTumble.Core.Sending;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Tests;

/// <summary>
/// The outbound SMTP sender holds the content at the pacing gate: the envelope and DATA are already through when it
/// waits, and the message reaches the provider only once the gate opens (which is how sends arrive at their slots).
/// </summary>
public sealed class SendGateTests
{
    [Fact]
    public async Task The_smtp_sender_waits_at_the_gate_after_DATA_and_delivers_when_it_opens()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Outbound:Enabled"] = "false" });
        var sender = relay.Services.GetRequiredService<IMailSender>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var message = new PreparedMessage(
            "d1", "relay@mask.example.com", "john@real.example.org", "Subject: gated\r\n\r\n"u8.ToArray(), new MemoryStream("body\r\n"u8.ToArray()),
            async ct =>
            {
                reached.TrySetResult();
                await gate.Task.WaitAsync(ct);
            });

        var sending = sender.SendAsync(message, default);
        await reached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        Assert.Equal(1, relay.Sink.Sessions);
        Assert.Empty(relay.Sink.Messages);
        Assert.False(sending.IsCompleted);

        gate.SetResult();
        var result = await sending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(SendOutcome.Sent, result.Outcome);
        var mail = Assert.Single(relay.Sink.Messages);
        Assert.Equal("gated", mail.Header("Subject"));
        Assert.Contains("body", mail.Text, StringComparison.Ordinal);
    }
}
