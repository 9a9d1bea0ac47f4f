using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MailTumble.Aws.Feedback;

namespace MailTumble.Tests;

/// <summary>
/// Plays SNS: a self-signed signing certificate, served through <see cref="ISnsHttp"/> for whatever URL the
/// verifier asks (the verifier checks the host first), and messages signed as SNS signs them.
/// </summary>
internal sealed class SnsSigner : ISnsHttp, IDisposable
{
    public const string CertUrl = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem";
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;

    public SnsSigner()
    {
        var request = new CertificateRequest("CN=sns.amazonaws.com", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    public ConcurrentQueue<Uri> CertificateRequests { get; } = new();

    public ConcurrentQueue<Uri> Confirmations { get; } = new();

    /// <summary>When set, answers certificate requests instead of the signing certificate (a 404, garbage, a network failure).</summary>
    public Func<Uri, Task<string>>? CertificateAnswer { get; set; }

    public Task<string> GetCertificatePemAsync(Uri url, CancellationToken cancellationToken)
    {
        CertificateRequests.Enqueue(url);
        return CertificateAnswer?.Invoke(url) ?? Task.FromResult(_certificate.ExportCertificatePem());
    }

    public Task ConfirmSubscriptionAsync(Uri url, CancellationToken cancellationToken)
    {
        Confirmations.Enqueue(url);
        return Task.CompletedTask;
    }

    /// <summary>A signed Notification carrying <paramref name="message"/>.</summary>
    public string Notification(string message, string messageId, string topicArn, string version = "1", string certUrl = CertUrl) =>
        Sign(new Dictionary<string, string>
        {
            ["Type"] = "Notification",
            ["MessageId"] = messageId,
            ["TopicArn"] = topicArn,
            ["Subject"] = "Amazon SES Email Event Notification",
            ["Message"] = message,
            ["Timestamp"] = "2026-11-28T04:00:02.000Z",
            ["SignatureVersion"] = version,
            ["SigningCertURL"] = certUrl,
            ["UnsubscribeURL"] = "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
        }, ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]);

    /// <summary>A signed SubscriptionConfirmation.</summary>
    public string Confirmation(string topicArn, string subscribeUrl) =>
        Sign(new Dictionary<string, string>
        {
            ["Type"] = "SubscriptionConfirmation",
            ["MessageId"] = Guid.NewGuid().ToString(),
            ["Token"] = "2336412f37fb687f5d51e6e2425",
            ["TopicArn"] = topicArn,
            ["Message"] = "You have chosen to subscribe to the topic " + topicArn + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
            ["SubscribeURL"] = subscribeUrl,
            ["Timestamp"] = "2026-11-28T04:00:00.000Z",
            ["SignatureVersion"] = "2",
            ["SigningCertURL"] = CertUrl,
        }, ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]);

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }

    private string Sign(Dictionary<string, string> fields, string[] signed)
    {
        var canonical = new StringBuilder();
        foreach (var name in signed)
        {
            canonical.Append(name).Append('\n').Append(fields[name]).Append('\n');
        }

        var hash = fields["SignatureVersion"] == "1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
        fields["Signature"] = Convert.ToBase64String(_key.SignData(Encoding.UTF8.GetBytes(canonical.ToString()), hash, RSASignaturePadding.Pkcs1));
        return JsonSerializer.Serialize(fields);
    }
}
