using System.Buffers;
using System.Text;
using MailTumble.Smtp.Inbound;

namespace MailTumble.Smtp.Tests;

/// <summary>The DATA decoder: unstuffing, the end of data, line ends, the size limit, and chunking that changes nothing.</summary>
public sealed class DataDecoderTests
{
    private static (string Content, int Consumed, DataDecoder Decoder) Decode(string wire, bool normalize = true, long limit = long.MaxValue, int chunk = int.MaxValue)
    {
        var decoder = new DataDecoder(normalize);
        decoder.Reset(limit);
        var output = new ArrayBufferWriter<byte>();
        var bytes = Encoding.Latin1.GetBytes(wire);
        var consumed = 0;
        while (consumed < bytes.Length && !decoder.Completed)
        {
            var piece = bytes.AsSpan(consumed, Math.Min(chunk, bytes.Length - consumed));
            consumed += decoder.Decode(piece, output);
        }

        return (Encoding.Latin1.GetString(output.WrittenSpan), consumed, decoder);
    }

    [Theory]
    [InlineData(".\r\n", "")]
    [InlineData("a\r\n.\r\n", "a\r\n")]
    [InlineData("..a\r\n.\r\n", ".a\r\n")]
    [InlineData("a\r\n..\r\n.\r\n", "a\r\n.\r\n")]
    [InlineData("a\r\n.b\r\n.\r\n", "a\r\nb\r\n")]
    [InlineData("\r\n.\r\n", "\r\n")]
    public void Dot_stuffing_is_removed_and_only_CRLF_dot_CRLF_ends(string wire, string content)
    {
        var (decoded, consumed, decoder) = Decode(wire);
        Assert.True(decoder.Completed);
        Assert.Equal(wire.Length, consumed);
        Assert.Equal(content, decoded);
        Assert.False(decoder.BareLf || decoder.BareCr);
    }

    [Fact]
    public void What_follows_the_end_is_left_for_the_next_command()
    {
        var (decoded, consumed, decoder) = Decode("hi\r\n.\r\nQUIT\r\n");
        Assert.True(decoder.Completed);
        Assert.Equal("hi\r\n", decoded);
        Assert.Equal("hi\r\n.\r\n".Length, consumed);
    }

    [Theory]
    [InlineData("a\n.\nb\r\n.\r\n", "a\r\n\r\nb\r\n")]
    [InlineData("a\n.\r\nb\r\n.\r\n", "a\r\n\r\nb\r\n")]
    [InlineData("a\r\n.\nb\r\n.\r\n", "a\r\n\r\nb\r\n")]
    [InlineData("x\ny\n\r\n.\r\n", "x\r\ny\r\n\r\n")]
    public void A_bare_LF_is_normalised_and_never_ends_the_message(string wire, string content)
    {
        var (decoded, _, decoder) = Decode(wire);
        Assert.True(decoder.Completed);
        Assert.Equal(content, decoded);
        Assert.True(decoder.BareLf);
        Assert.False(decoder.BareCr);
    }

    [Fact]
    public void Without_normalising_a_bare_LF_is_kept_and_flagged()
    {
        var (decoded, _, decoder) = Decode("a\nb\r\n.\r\n", normalize: false);
        Assert.Equal("a\nb\r\n", decoded);
        Assert.True(decoder.BareLf);
    }

    [Theory]
    [InlineData("a\rb\r\n.\r\n")]
    [InlineData("a\r\n.\rb\r\n.\r\n")]
    [InlineData("a\r\r\n.\r\n")]
    public void A_bare_CR_is_flagged(string wire)
    {
        var (_, _, decoder) = Decode(wire);
        Assert.True(decoder.Completed);
        Assert.True(decoder.BareCr);
    }

    [Fact]
    public void Bytes_past_the_limit_are_counted_not_written()
    {
        var (decoded, _, decoder) = Decode(new string('x', 100) + "\r\n.\r\n", limit: 50);
        Assert.True(decoder.Completed);
        Assert.True(decoder.Oversize);
        Assert.Equal(102, decoder.Length);
        Assert.True(decoded.Length <= 50);
    }

    [Fact]
    public void Chunk_boundaries_change_nothing()
    {
        var random = new Random(18);
        string[] pieces = ["a", ".", "..", "\r\n", "\n", "\r", "\r\n.\r\n", "xyz", "\r\n.", ".\r"];
        for (var run = 0; run < 2000; run++)
        {
            var wire = new StringBuilder();
            for (var i = random.Next(1, 30); i > 0; i--)
            {
                wire.Append(pieces[random.Next(pieces.Length)]);
            }

            wire.Append("\r\n.\r\n");
            var whole = Decode(wire.ToString());
            foreach (var chunk in new[] { 1, 2, 3, 7 })
            {
                var split = Decode(wire.ToString(), chunk: chunk);
                Assert.Equal(whole.Content, split.Content);
                Assert.Equal(whole.Consumed, split.Consumed);
                Assert.Equal((whole.Decoder.BareCr, whole.Decoder.BareLf), (split.Decoder.BareCr, split.Decoder.BareLf));
            }
        }
    }
}
