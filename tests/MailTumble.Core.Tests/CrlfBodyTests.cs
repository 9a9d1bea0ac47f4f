using System.Text;
using MailTumble.Core.Rewriting;

namespace MailTumble.Core.Tests;

public sealed class CrlfBodyTests
{
    [Theory]
    [InlineData("a\r\nb\r\n", "a\r\nb\r\n")]
    [InlineData("a\nb\n", "a\r\nb\r\n")]
    [InlineData("a\rb\r", "a\r\nb\r\n")]
    [InlineData("a\r\r\nb", "a\r\n\r\nb")]
    [InlineData("\n\n", "\r\n\r\n")]
    [InlineData("\r", "\r\n")]
    [InlineData("", "")]
    [InlineData("caf\u00e9 \u00ff\r\n", "caf\u00e9 \u00ff\r\n")]
    public void Bare_line_ends_become_CRLF_and_nothing_else_changes(string input, string expected) =>
        Assert.Equal(expected, Encoding.Latin1.GetString(CrlfBody.Normalize(Encoding.Latin1.GetBytes(input))));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task Line_ends_split_across_reads_are_seen_whole(int readSize)
    {
        var input = Encoding.Latin1.GetBytes("one\r\ntwo\nthree\rfour\r\n\r\nfive\r");
        using var source = new TrickleStream(input, readSize);
        using var output = new MemoryStream();
        var endsOnLine = await CrlfBody.CopyAsync(source, output, default);
        Assert.Equal("one\r\ntwo\r\nthree\r\nfour\r\n\r\nfive\r\n", Encoding.Latin1.GetString(output.ToArray()));
        Assert.True(endsOnLine);
    }

    [Fact]
    public async Task A_body_without_a_final_line_end_is_reported()
    {
        using var output = new MemoryStream();
        Assert.False(await CrlfBody.CopyAsync(new MemoryStream("no end"u8.ToArray()), output, default));
    }

    [Fact]
    public void A_large_clean_body_is_copied_byte_for_byte()
    {
        var random = new Random(7);
        var body = new byte[300_000];
        random.NextBytes(body);
        // Make it clean CRLF: no CR or LF except in pairs.
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] is (byte)'\r' or (byte)'\n')
            {
                body[i] = (byte)'x';
            }
        }

        for (var i = 100; i < body.Length - 1; i += 1000)
        {
            body[i] = (byte)'\r';
            body[i + 1] = (byte)'\n';
        }

        Assert.Equal(body, CrlfBody.Normalize(body));
    }

    /// <summary>Hands out at most a few bytes per read, like a slow network.</summary>
    private sealed class TrickleStream(byte[] data, int size) : MemoryStream(data)
    {
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, size), cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, size)], cancellationToken);
    }
}
