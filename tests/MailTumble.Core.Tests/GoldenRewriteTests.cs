using System.Buffers;
using System.Text;
using MailTumble.Core.Replies;
using MailTumble.Core.Rewriting;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

/// <summary>
/// Real-world-shaped messages under Golden/: NAME.eml is rewritten and compared byte for byte with
/// NAME.expected.eml; NAME.options (key=value lines) overrides settings. To refresh the expected files
/// after a deliberate change, run with MAILTUMBLE_UPDATE_GOLDEN set to the Golden source directory and review the diff.
/// </summary>
public sealed class GoldenRewriteTests
{
    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Golden");
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    /// <summary>A fixed reply key, so the reverse aliases in the expected files are stable (two-way masking is on by default).</summary>
    internal static readonly TwoWayMasking Masking = new("golden-test-reply-key-0123456789"u8.ToArray());

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.eml").Where(f => !f.EndsWith(".expected.eml", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }

        return data;
    }

    [Fact]
    public void The_suite_has_at_least_thirty_messages_each_with_an_expected_output()
    {
        var names = System.IO.Directory.GetFiles(Directory, "*.eml").Where(f => !f.EndsWith(".expected.eml", StringComparison.Ordinal)).ToList();
        Assert.True(names.Count >= 30, $"only {names.Count} golden messages");
        Assert.All(names, n => Assert.True(File.Exists(Path.ChangeExtension(n, ".expected.eml")), n));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Output_matches_the_expected_bytes_and_keeps_the_body(string name)
    {
        var input = File.ReadAllBytes(Path.Combine(Directory, name + ".eml"));
        var (output, parsed, verdict) = Send(input, Options(name));
        Assert.Equal(name.StartsWith("loop-exceeded", StringComparison.Ordinal) ? RewriteVerdict.Loop : RewriteVerdict.Forward, verdict);

        var update = Environment.GetEnvironmentVariable("MAILTUMBLE_UPDATE_GOLDEN");
        if (!string.IsNullOrEmpty(update))
        {
            File.WriteAllBytes(Path.Combine(update, name + ".expected.eml"), output);
        }

        var expected = File.ReadAllBytes(Path.Combine(Directory, name + ".expected.eml"));
        Assert.Equal(Encoding.Latin1.GetString(expected), Encoding.Latin1.GetString(output));
        AssertBodyKept(input, parsed, output);
    }

    [Fact]
    public void A_20_MB_attachment_passes_through_and_only_the_header_block_is_copied()
    {
        var head = "From: Big Sender <big@files.example>\r\nTo: x7g2@mask.example.com\r\nSubject: the archive\r\nMessage-ID: <big@files.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"u8;
        var random = new Random(42);
        var raw = new byte[15 * 1024 * 1024];
        random.NextBytes(raw);
        var encoded = Encoding.ASCII.GetBytes(Convert.ToBase64String(raw, Base64FormattingOptions.InsertLineBreaks));
        var input = new byte[head.Length + encoded.Length + 7];
        head.CopyTo(input);
        encoded.CopyTo(input, head.Length);
        "\r\n--b--"u8.CopyTo(input.AsSpan(head.Length + encoded.Length));
        Assert.True(input.Length > 20_000_000);

        var (output, parsed, _) = Send(input, Options(string.Empty));
        Assert.True(parsed.HeaderBlock.Length < 300);
        AssertBodyKept(input, parsed, output);

        // Byte for byte like the other golden messages: the expected output is the expected header block
        // (kept as a file; the 20 MB body is generated) followed by the input's body.
        var headFile = Path.Combine(Directory, "twenty-mb-attachment.expected-head");
        var update = Environment.GetEnvironmentVariable("MAILTUMBLE_UPDATE_GOLDEN");
        if (!string.IsNullOrEmpty(update))
        {
            File.WriteAllBytes(Path.Combine(update, "twenty-mb-attachment.expected-head"), output.AsSpan(0, output.Length - (input.Length - (int)parsed.BodyOffset)).ToArray());
        }

        var expected = File.ReadAllBytes(headFile).Concat(input.Skip((int)parsed.BodyOffset)).ToArray();
        Assert.True(expected.AsSpan().SequenceEqual(output), "the 20 MB message differs from the expected bytes");
    }

    /// <summary>What the relay sends: rewritten header block, the empty line, the original body bytes.</summary>
    private static (byte[] Output, ParsedMessage Parsed, RewriteVerdict Verdict) Send(byte[] input, (RewriteOptions Options, string EnvelopeFrom, bool Masked) settings)
    {
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(input));
        var result = new HeaderRewriter(settings.Options, Time, settings.Masked ? Masking : null).Rewrite(parsed, new RewriteInput("x7g2@mask.example.com", "john@real.example.org", settings.EnvelopeFrom, "0192f1a2b3c47d8e9f00112233445566", "0192f1a2b3c47d8e9f0011223344aaaa"));
        Assert.NotEqual(RewriteVerdict.Refuse, result.Verdict);
        var body = CrlfBody.Normalize(input.AsSpan((int)parsed.BodyOffset));
        var output = new byte[result.Headers.Length + 2 + body.Length];
        result.Headers.CopyTo(output, 0);
        "\r\n"u8.CopyTo(output.AsSpan(result.Headers.Length));
        body.CopyTo(output.AsSpan(result.Headers.Length + 2));
        return (output, parsed, result.Verdict);
    }

    /// <summary>
    /// Reading the output back finds a clean CRLF header block and exactly the input's body bytes after it: byte for
    /// byte for CRLF input, and with only the line ends changed for LF input.
    /// </summary>
    private static void AssertBodyKept(byte[] input, ParsedMessage parsed, byte[] output)
    {
        var again = ParsedMessage.Parse(new ReadOnlySequence<byte>(output));
        Assert.False(again.SeparatorInserted);
        var inputBody = input.AsSpan((int)parsed.BodyOffset);
        var outputBody = output.AsSpan((int)again.BodyOffset);
        Assert.True(inputBody.IndexOf("\n"u8) >= 0 && inputBody.IndexOf("\r\n"u8) < 0
            ? Encoding.Latin1.GetString(outputBody).Replace("\r\n", "\n", StringComparison.Ordinal) == Encoding.Latin1.GetString(inputBody)
            : outputBody.SequenceEqual(inputBody), "the body changed beyond its line ends");
        for (var i = 0; i < outputBody.Length; i++)
        {
            Assert.True(outputBody[i] != '\n' || (i > 0 && outputBody[i - 1] == '\r'), "bare LF in the body");
        }

        var block = output.AsSpan(0, (int)again.BodyOffset);
        for (var i = 0; i < block.Length; i++)
        {
            Assert.True(block[i] != '\n' || (i > 0 && block[i - 1] == '\r'), "bare LF in the header block");
            Assert.True(block[i] != 0, "NUL in the header block");
        }

        // Over 998 characters only for a line that could not be folded: it is the input's line, unchanged.
        var inputText = Encoding.Latin1.GetString(input);
        Assert.All(Encoding.Latin1.GetString(block).Split("\r\n"), line => Assert.True(line.Length <= 998 || inputText.Contains(line + "\r\n", StringComparison.Ordinal), "a line over 998 characters that is not the input's"));
    }

    private static (RewriteOptions Options, string EnvelopeFrom, bool Masked) Options(string name)
    {
        var options = new RewriteOptions { FromEmail = "relay@mask.example.com", SubjectPrefix = "[masked] " };
        var envelope = "sender@origin.example";
        var masked = true;
        var file = Path.Combine(Directory, name + ".options");
        foreach (var line in File.Exists(file) ? File.ReadAllLines(file) : [])
        {
            var (key, value) = (line[..line.IndexOf('=', StringComparison.Ordinal)], line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            switch (key)
            {
                case "FromEmail": options.FromEmail = value; break;
                case "SubjectPrefix": options.SubjectPrefix = value; break;
                case "FromFormat": options.FromFormat = value; break;
                case "ToHeader": options.ToHeader = value; break;
                case "EnvelopeFrom": envelope = value; break;
                case "Masked": masked = bool.Parse(value); break;
                default: throw new InvalidDataException($"{file}: unknown setting {key}");
            }
        }

        return (options, envelope, masked);
    }
}
