using System.Globalization;
using MailTumble.Testing;

namespace MailTumble.Tests;

/// <summary>
/// AWS mode with a DynamoDB that cannot be reached: start stops with exit 75 and one line naming the table, the endpoint
/// and the setting, for <c>serve</c> and for a command that needs the shared state. No emulator is needed: both endpoints
/// are closed loopback ports.
/// </summary>
public sealed class AwsStateTableUnreachableTests
{
    [Theory]
    [InlineData("serve")]
    [InlineData("held list")]
    [InlineData("sender list")]
    public async Task An_unreachable_dynamodb_exits_75_with_one_line_naming_the_setting(string command)
    {
        using var dir = new TempDirectory();
        var dynamo = $"http://127.0.0.1:{TestSmtpSink.FreePort().ToString(CultureInfo.InvariantCulture)}";
        var environment = new Dictionary<string, string>(AwsEmulator.CredentialVariables)
        {
            ["MailTumble__DataDir"] = dir.Path,
            ["MailTumble__Backend"] = "aws",
            ["MailTumble__Aws__ServiceUrl"] = "http://127.0.0.1:1",
            ["MailTumble__Aws__DynamoDbServiceUrl"] = dynamo,
            ["MailTumble__Aws__Region"] = "us-east-1",
            ["MailTumble__Aws__QueueUrl"] = "http://127.0.0.1:1/000000000000/out",
            ["MailTumble__Aws__S3BucketName"] = "raw",
            ["MailTumble__Directory__Driver"] = "map",
            ["MailTumble__Directory__Map__Path"] = Path.Combine(dir.Path, "aliases.yaml"),
            ["MailTumble__Smtp__Listen"] = "127.0.0.1:0",
            ["MailTumble__Api__Listen"] = "127.0.0.1:0",
            ["Logging__LogLevel__Default"] = "None",
        };
        await File.WriteAllTextAsync(Path.Combine(dir.Path, "aliases.yaml"), "aliases:\n  x7g2@mask.example.com: john@real.example.org\n");

        var (code, output) = await RelayProcess.RunAsync(dir.Path, environment, TimeSpan.FromMinutes(1), command.Split(' '));

        Assert.True(code == 75, $"exit {code}: {output}");
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"mailtumble: cannot use the DynamoDB table mailtumble-state (MailTumble:Aws:StateTable) at {dynamo}", line, StringComparison.Ordinal);
        Assert.Contains("(MailTumble:Aws:DynamoDbServiceUrl, MailTumble:Aws:Region)", line, StringComparison.Ordinal);
    }
}
