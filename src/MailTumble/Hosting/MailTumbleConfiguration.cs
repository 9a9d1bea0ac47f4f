using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace MailTumble.Hosting;

/// <summary>
/// Builds the configuration: <c>mailtumble.json</c> in the working directory, then the original
/// system's environment variables, then <c>MailTumble__...</c> environment variables (last wins).
/// </summary>
internal static class MailTumbleConfiguration
{
    /// <summary>The original system's variables and the keys they set.</summary>
    public static readonly IReadOnlyDictionary<string, string> SeedVariables = new Dictionary<string, string>
    {
        ["FROM_EMAIL"] = "MailTumble:Rewrite:FromEmail",
        ["SUBJECT_PREFIX"] = "MailTumble:Rewrite:SubjectPrefix",
        ["MAXIMUM_SEND_RATE"] = "MailTumble:Outbound:MaxSendRate",
        ["API_URL"] = "MailTumble:Directory:Rest:Url",
        ["API_TOKEN"] = "MailTumble:Directory:Rest:Token",
        ["QUEUE_URL"] = "MailTumble:Aws:QueueUrl",
        ["S3_BUCKET_NAME"] = "MailTumble:Aws:S3BucketName",
        ["S3_KEY_PREFIX"] = "MailTumble:Aws:S3KeyPrefix",
    };

    public static IConfigurationRoot Build(IDictionary<string, string?>? overrides = null)
    {
        var seed = new Dictionary<string, string?>();
        foreach (var (variable, key) in SeedVariables)
        {
            var value = Environment.GetEnvironmentVariable(variable);
            if (!string.IsNullOrEmpty(value))
            {
                seed[key] = value;
            }
        }

        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "mailtumble.json"), optional: true, reloadOnChange: false)
            .AddInMemoryCollection(seed)
            .AddEnvironmentVariables();
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        return builder.Build();
    }

    /// <summary>
    /// Creates the data directory if it is missing and checks that files can be written there, or stops with a message
    /// naming <c>MailTumble:DataDir</c> (rather than the first file error of whichever store opens first).
    /// </summary>
    public static string EnsureDataDir(IConfiguration configuration)
    {
        var dir = DataDir(configuration);
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return dir;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new OptionsValidationException("MailTumble:DataDir", typeof(string),
                [$"MailTumble:DataDir is '{dir}', which cannot be created or written: {ex.Message.TrimEnd('.')}"]);
        }
    }

    public static string DataDir(IConfiguration configuration) =>
        Path.GetFullPath(configuration["MailTumble:DataDir"] is { Length: > 0 } dir ? dir : "data");
}
