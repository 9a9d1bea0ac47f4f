using System.Collections.Concurrent;
using System.Reflection;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace MailTumble.Aws.Tests;

/// <summary>A real SQS client that also remembers every batch it sent, to see what the adapter asked SQS for.</summary>
public class RecordingSqs : DispatchProxy
{
    private IAmazonSQS _inner = null!;

    public ConcurrentQueue<SendMessageBatchRequestEntry> Sent { get; } = new();

    public static (IAmazonSQS Client, RecordingSqs Recorder) Wrap(IAmazonSQS inner)
    {
        var client = Create<IAmazonSQS, RecordingSqs>();
        var recorder = (RecordingSqs)(object)client;
        recorder._inner = inner;
        return (client, recorder);
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        if (args is { Length: > 0 } && args[0] is SendMessageBatchRequest batch)
        {
            foreach (var entry in batch.Entries)
            {
                Sent.Enqueue(entry);
            }
        }

        try
        {
            return targetMethod.Invoke(_inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            throw ex.InnerException;
        }
    }
}
