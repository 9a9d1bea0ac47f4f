using System.Buffers;
using System.Text;
using MailTumble.Core.Rewriting;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace MailTumble.Core.Tests;

/// <summary>
/// Malformed mail never crashes the rewriter: thousands of generated header blocks (fragments of real headers mixed
/// with NUL, bare CR and LF, colons, 8-bit bytes, endless lines, missing separators) are either refused with a
/// reason (a NUL in a header, an endless header section) or rewritten into a header block that is clean on the wire and that MimeKit reads back.
/// </summary>
public sealed class RewriterFuzzTests
{
    private static readonly string[] Fragments =
    [
        "From: ", "From: \"Ann\" <ann@a.example>", "From: <>", "From: a@b", "From: =?utf-8?q?=C3=A9?= <x@y.example>", "From: a@b.example, c@d.example",
        "Reply-To: ", "rEPLY-tO: z@z.example", "Subject: ", "Subject: =?utf-8?b?w6k=?=", "Subject: Re: [masked] hi", "To: x7g2@mask.example.com",
        "Message-ID: <a@b>", "Message-Id:", "DKIM-Signature: v=1;", "Delivered-To: x", "Return-Path: <>", "Sender: s@s", "X-MailTumble-Loop: 2",
        "X-MailTumble-Loop: nine", "Content-Type: text/plain; charset=iso-8859-1", ": empty name", " continuation", "\tfolded", "no colon here",
        "Name : space before colon", "X-A: \u00e9\u00ff\u0080", "Received: from x by y", "From x@y Sat Nov 28", "X-Long: ",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Generated_malformed_messages_are_refused_or_rewritten_into_clean_headers(int seed)
    {
        var random = new Random(seed);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));
        var rewriters = new[]
        {
            new HeaderRewriter(new RewriteOptions(), time),
            new HeaderRewriter(new RewriteOptions { FromEmail = "relay@mask.example.com", SubjectPrefix = "[m\u00e4sk] ", ToHeader = "target" }, time),
            new HeaderRewriter(new RewriteOptions(), time, GoldenRewriteTests.Masking),
        };
        var refused = 0;
        for (var i = 0; i < 1500; i++)
        {
            var message = Generate(random);
            var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(message));
            var result = rewriters[i % rewriters.Length].Rewrite(parsed, new RewriteInput("x7g2@mask.example.com", "john@real.example.org", "bounce@brand.example", "d" + i, "k" + i));
            if (result.Verdict == RewriteVerdict.Refuse)
            {
                Assert.False(string.IsNullOrWhiteSpace(result.Reason), "a refusal without a reason");
                refused++;
                continue;
            }

            AssertClean(result.Headers, message, i);
        }

        Assert.True(refused < 1500, "everything was refused");
    }

    private static void AssertClean(byte[] headers, byte[] input, int i)
    {
        var text = Encoding.Latin1.GetString(headers);
        Assert.True(text.EndsWith("\r\n", StringComparison.Ordinal), $"case {i}: the header block does not end with CRLF");
        for (var p = 0; p < headers.Length; p++)
        {
            Assert.True(headers[p] != 0, $"case {i}: NUL in the output");
            Assert.True(headers[p] != '\n' || (p > 0 && headers[p - 1] == '\r'), $"case {i}: bare LF in the output");
            Assert.True(headers[p] != '\r' || (p + 1 < headers.Length && headers[p + 1] == '\n'), $"case {i}: bare CR in the output");
        }

        var lines = text[..^2].Split("\r\n");
        // Over 998 characters only for a line that cannot be folded: one with a blank-free run of the input's that no
        // line of 998 characters can hold; it passes through as received.
        var inputText = Encoding.Latin1.GetString(input);
        Assert.All(lines, line => Assert.True(line.Length <= 998 || line.Split(' ', '\t').Any(run => run.Length >= 997 && inputText.Contains(run, StringComparison.Ordinal)), $"case {i}: a foldable line of {line.Length} characters: {line[..Math.Min(80, line.Length)]}"));
        Assert.True(lines[0].Length > 0 && lines[0][0] is not (' ' or '\t'), $"case {i}: the block starts with a continuation");
        Assert.Single(lines, l => l.StartsWith("From:", StringComparison.OrdinalIgnoreCase));

        // What goes out reads back as a message with exactly one From mailbox.
        var body = Encoding.ASCII.GetBytes("\r\nbody\r\n");
        using var stream = new MemoryStream(headers.Concat(body).ToArray());
        var parsed = MimeMessage.Load(stream);
        Assert.True(parsed.From.Mailboxes.Count() == 1, $"case {i}: From has {parsed.From.Count} entries: {Encoding.Latin1.GetString(input[..Math.Min(200, input.Length)])}");
    }

    private static byte[] Generate(Random random)
    {
        var output = new List<byte>();
        var lines = random.Next(0, 14);
        for (var l = 0; l < lines; l++)
        {
            var line = Fragments[random.Next(Fragments.Length)];
            output.AddRange(Encoding.Latin1.GetBytes(line));
            switch (random.Next(10))
            {
                case 0:
                    output.AddRange(Enumerable.Range(0, random.Next(900, 3000)).Select(_ => (byte)random.Next(0x21, 0x7f)));
                    break;
                case 1:
                    output.AddRange(Enumerable.Range(0, random.Next(1, 20)).Select(_ => (byte)random.Next(0, 256)));
                    break;
                case 2:
                    output.Add(0);
                    break;
            }

            output.AddRange(random.Next(8) switch { 0 => "\n"u8.ToArray(), 1 => "\r"u8.ToArray(), _ => "\r\n"u8.ToArray() });
        }

        if (random.Next(4) != 0)
        {
            output.AddRange("\r\n"u8.ToArray());
        }

        output.AddRange(Encoding.Latin1.GetBytes(random.Next(3) == 0 ? "X-Body-Looking: header\r\nbody\r\n" : "body\r\n"));
        return output.ToArray();
    }
}
