using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace MailTumble.Tests;

/// <summary>
/// Wrong queue URLs in AWS mode (issue 18 item 13): one clear line per queue naming its setting, no stack trace per
/// attempt, waits that double, and recovery by itself once the queue exists.
/// </summary>
public sealed class AwsQueueOutageTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Missing_queues_are_one_line_each_naming_the_setting_then_back_off_and_recover_when_they_exist()
    {
        using var aws = await AwsEmulator.CreateAsync();
        foreach (var (variable, value) in AwsEmulator.CredentialVariables)
        {
            Environment.SetEnvironmentVariable(variable, Environment.GetEnvironmentVariable(variable) ?? value);
        }

        // Queue URLs of the right shape whose queues do not exist yet.
        var run = Guid.NewGuid().ToString("N")[..10];
        var (outName, inName) = ("missing-out-" + run, "missing-in-" + run);
        var prefix = aws.QueueUrl[..(aws.QueueUrl.LastIndexOf('/') + 1)];
        var settings = aws.Settings();
        settings["MailTumble:Aws:QueueUrl"] = prefix + outName;
        settings["MailTumble:Aws:InboundQueueUrl"] = prefix + inName;
        settings["Logging:LogLevel:MailTumble.Core.Delivery.DeliveryService"] = "Information"; // the "works again" lines
        settings["Logging:LogLevel:MailTumble.Aws.Ingress.SqsQueuePoller"] = "Information";
        var logs = new LogCapture();
        await using var relay = await RelayFixture.StartAsync(settings, s => s.AddSingleton<ILoggerProvider>(logs));
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");

        List<string> Lines(LogLevel level) => logs.Lines.Where(l => l.Level >= level).Select(l => $"{l.Category}: {l.Message}").ToList();
        await Eventually.TrueAsync(
            () => Task.FromResult(Lines(LogLevel.Error).Any(l => l.Contains("Send-out cannot use the queue", StringComparison.Ordinal))
                && Lines(LogLevel.Error).Any(l => l.Contains("Cannot poll SQS queue ses-inbound", StringComparison.Ordinal))),
            "send-out and the SES ingress poller said why they cannot use their queues");

        // While the queues are missing, mail is not taken (the sender keeps it).
        var (_, refused) = await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", ["x7g2@mask.example.com"], "Subject: early\r\n\r\nhi\r\n");
        Assert.StartsWith("451", refused ?? "(refused before DATA)");

        // The operator creates the queues: everything works again without a restart.
        await aws.Sqs.CreateQueueAsync(outName);
        await aws.Sqs.CreateQueueAsync(inName);
        var (_, accepted) = await Eventually.ValueAsync(
            () => RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", ["x7g2@mask.example.com"], "Subject: after\r\n\r\nhi\r\n"),
            r => r.Data?.StartsWith("250", StringComparison.Ordinal) == true,
            "the outgoing queue takes mail again");
        Assert.StartsWith("250", accepted ?? string.Empty);
        Assert.Equal("after", Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(60))).Header("Subject"));
        await Eventually.TrueAsync(
            () => Task.FromResult(Lines(LogLevel.Information).Any(l => l.Contains("Send-out can use the queue again", StringComparison.Ordinal))
                && Lines(LogLevel.Information).Any(l => l.Contains("Polling SQS queue ses-inbound works again", StringComparison.Ordinal))),
            "both said they work again",
            TimeSpan.FromSeconds(90));

        var errors = Lines(LogLevel.Error);
        output.WriteLine(string.Join('\n', Lines(LogLevel.Warning)));

        // One line per queue for the whole outage, naming the setting and the URL; no per-attempt lines.
        var sendOut = Assert.Single(errors, l => l.Contains("Send-out cannot use the queue", StringComparison.Ordinal));
        Assert.Contains($"the SQS queue {prefix}{outName} does not exist; check QUEUE_URL (MailTumble:Aws:QueueUrl)", sendOut, StringComparison.Ordinal);
        var inbound = Assert.Single(errors, l => l.Contains("Cannot poll SQS queue ses-inbound", StringComparison.Ordinal));
        Assert.Contains($"the SQS queue {prefix}{inName} does not exist; check MailTumble:Aws:InboundQueueUrl", inbound, StringComparison.Ordinal);
        Assert.DoesNotContain(errors, l => l.Contains("Send worker failed", StringComparison.Ordinal));
        Assert.DoesNotContain(Lines(LogLevel.Warning), l => l.Contains("Could not read queue statistics", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, l => l.Contains("Polling SQS queue", StringComparison.Ordinal));
    }
}
