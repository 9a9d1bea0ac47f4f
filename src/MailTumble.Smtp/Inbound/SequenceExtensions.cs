using System.Buffers;

namespace MailTumble.Smtp.Inbound;

/// <summary>Joins byte sequences without copying them.</summary>
internal static class SequenceExtensions
{
    private static readonly ReadOnlyMemory<byte> Crlf = "\r\n"u8.ToArray();

    /// <summary>
    /// SmtpServer hands over the DATA without the CRLF that ends its last line (it is part of the
    /// terminator). Put it back so the stored message is exactly what the client sent.
    /// </summary>
    public static ReadOnlySequence<byte> WithFinalCrlf(this ReadOnlySequence<byte> data)
    {
        if (data.IsEmpty)
        {
            return data;
        }

        Segment? first = null;
        Segment? last = null;
        foreach (var memory in data)
        {
            if (memory.IsEmpty)
            {
                continue;
            }

            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }

        last = last!.Append(Crlf);
        return new ReadOnlySequence<byte>(first!, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
