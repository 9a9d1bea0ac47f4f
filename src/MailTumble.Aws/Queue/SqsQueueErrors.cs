using System.Net;
using Amazon.SQS;
using Amazon.SQS.Model;
using MailTumble.Core.Queue;

namespace MailTumble.Aws.Queue;

/// <summary>Tells an SQS error that means "this queue URL is wrong or not ours" from a failed call, and says which setting to fix.</summary>
internal static class SqsQueueErrors
{
    /// <summary>The setting of the outgoing queue, as the README names it.</summary>
    public const string OutgoingSetting = "QUEUE_URL (MailTumble:Aws:QueueUrl)";

    /// <summary>Whether <paramref name="exception"/> says the queue cannot be used at all, whatever is retried.</summary>
    public static bool IsQueueUnusable(Exception exception) =>
        exception is QueueDoesNotExistException
        || (exception is AmazonSQSException sqs && (sqs.StatusCode == HttpStatusCode.Forbidden
            || sqs.ErrorCode is "AccessDenied" or "AccessDeniedException" or "InvalidAddress" or "AWS.SimpleQueueService.NonExistentQueue" or "QueueDoesNotExist"));

    /// <summary>The one-line reason naming <paramref name="setting"/> and the URL, for a log line or an exception.</summary>
    public static string Describe(Exception exception, string setting, string url) =>
        exception is QueueDoesNotExistException || (exception is AmazonSQSException { ErrorCode: "AWS.SimpleQueueService.NonExistentQueue" or "QueueDoesNotExist" })
            ? $"the SQS queue {url} does not exist; check {setting}"
            : $"the SQS queue {url} cannot be used ({exception.Message}); check {setting} and the credentials' permissions";

    /// <summary>Runs <paramref name="call"/>; an unusable queue becomes a <see cref="QueueUnavailableException"/> naming the setting.</summary>
    public static async Task<T> GuardAsync<T>(Func<Task<T>> call, string setting, string url)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (IsQueueUnusable(ex))
        {
            throw new QueueUnavailableException(Describe(ex, setting, url), ex);
        }
    }
}
