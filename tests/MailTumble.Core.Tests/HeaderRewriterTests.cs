using System.Buffers;
using System.Text;
using MailTumble.Core.Replies;
using MailTumble.Core.Rewriting;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

public sealed class HeaderRewriterTests
{
    private const string Trace = "Received: by mask.example.com (MailTumble) id d1\r\n\tfor <john@real.example.org>; Sat, 28 Nov 2026 12:00:00 +0000\r\nX-MailTumble-Loop: 1\r\n";
    private static readonly RewriteInput Input = new("x7g2@mask.example.com", "john@real.example.org", "bounce@brand.example", "d1", "k1");
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private static RewriteResult Result(string message, RewriteOptions options) =>
        new HeaderRewriter(options, Time).Rewrite(ParsedMessage.Parse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(message))), Input);

    private static string Rewrite(string message, RewriteOptions options) => Encoding.Latin1.GetString(Result(message, options).Headers);

    [Fact]
    public void From_becomes_FROM_EMAIL_with_the_original_name_and_Reply_To_keeps_the_original_sender()
    {
        var output = Rewrite("From: Betsy Ross <betsy@brand.example>\r\nTo: x7g2@mask.example.com\r\nSubject: Hi\r\nMessage-ID: <m@brand.example>\r\n\r\nbody\r\n", new RewriteOptions { FromEmail = "relay@mask.example.com" });
        Assert.Equal(
            Trace + "From: Betsy Ross <relay@mask.example.com>\r\nTo: x7g2@mask.example.com\r\nSubject: Hi\r\nMessage-ID: <m@brand.example>\r\nReply-To: Betsy Ross <betsy@brand.example>\r\n",
            output);
    }

    [Fact]
    public void Without_FROM_EMAIL_the_alias_is_the_sender_and_a_nameless_From_gets_an_at_name()
    {
        var output = Rewrite("From: betsy@brand.example\r\n\r\nbody\r\n", new RewriteOptions());
        Assert.Contains("\r\nFrom: \"betsy at brand.example\" <x7g2@mask.example.com>\r\n", output, StringComparison.Ordinal);
        Assert.Contains("Reply-To: betsy@brand.example\r\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name", "From: Betsy Ross <relay@mask.example.com>")]
    [InlineData("name-and-address", "From: \"Betsy Ross at betsy@brand.example\" <relay@mask.example.com>")]
    [InlineData("address", "From: \"betsy at brand.example\" <relay@mask.example.com>")]
    [InlineData("none", "From: relay@mask.example.com")]
    public void FromFormat_chooses_the_display_name(string format, string expected)
    {
        var output = Rewrite("From: Betsy Ross <betsy@brand.example>\r\n\r\n", new RewriteOptions { FromEmail = "relay@mask.example.com", FromFormat = format });
        Assert.Contains("\r\n" + expected + "\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_ASCII_name_is_encoded_and_an_address_looking_name_loses_its_at()
    {
        var output = Rewrite("From: =?utf-8?b?QmV0c3kgUsO2c3M=?= <betsy@brand.example>\r\n\r\n", new RewriteOptions { FromEmail = "relay@mask.example.com" });
        Assert.Contains("\r\nFrom: Betsy =?utf-8?b?UsO2c3M=?= <relay@mask.example.com>\r\n", output, StringComparison.Ordinal);
        var spoof = Rewrite("From: \"ceo@bank.example\" <x@evil.example>\r\n\r\n", new RewriteOptions { FromEmail = "relay@mask.example.com" });
        Assert.Contains("\r\nFrom: \"ceo at bank.example\" <relay@mask.example.com>\r\n", spoof, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_Reply_To_is_kept_and_no_second_one_is_added()
    {
        var output = Rewrite("From: a@brand.example\r\nreply-TO: support@brand.example\r\n\r\nx\r\n", new RewriteOptions());
        Assert.Contains("reply-TO: support@brand.example\r\n", output, StringComparison.Ordinal);
        Assert.Single(output.Split("\r\n"), l => l.StartsWith("reply-to", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Without_a_From_the_envelope_sender_names_the_sender_and_gets_the_replies()
    {
        var output = Rewrite("Subject: x\r\n\r\n", new RewriteOptions());
        Assert.Contains("From: \"bounce at brand.example\" <x7g2@mask.example.com>\r\n", output, StringComparison.Ordinal);
        Assert.Contains("Reply-To: bounce@brand.example\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Removed_fields_go_whatever_their_case_and_folding_ARC_stays()
    {
        var output = Rewrite(
            "Return-Path: <x@y.example>\r\nDKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\nFrom: a@brand.example\r\nSender: s@brand.example\r\ndkim-signature: v=1;\r\n b=def\r\n"
            + "Delivered-To: a@x.example\r\nDELIVERED-TO: b@x.example\r\nX-Original-To: c@x.example\r\nARC-Seal: i=1; cv=none\r\nX-Keep: yes\r\n\r\nbody\r\n",
            new RewriteOptions());
        Assert.DoesNotContain("DKIM", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("b=def", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Return-Path", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Sender:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Delivered-To", output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("X-Original-To", output, StringComparison.Ordinal);
        Assert.Contains("ARC-Seal: i=1; cv=none\r\nX-Keep: yes\r\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hello", "[masked] Hello")]
    [InlineData("[masked] Hello", "[masked] Hello")]
    [InlineData("Re: [masked] Hello", "Re: [masked] Hello")]
    [InlineData("AW: Fwd[2]: [MASKED] Hello", "AW: Fwd[2]: [MASKED] Hello")]
    [InlineData("Re: Hello", "[masked] Re: Hello")]
    [InlineData("=?utf-8?q?=5Bmasked=5D_Hi?=", "=?utf-8?q?=5Bmasked=5D_Hi?=")]
    [InlineData("=?iso-8859-1?q?caf=E9?=", "[masked] =?iso-8859-1?q?caf=E9?=")]
    public void The_subject_prefix_is_added_once(string subject, string expected)
    {
        var output = Rewrite($"From: a@b.example\r\nSubject: {subject}\r\n\r\n", new RewriteOptions { SubjectPrefix = "[masked] " });
        Assert.Contains($"\r\nSubject: {expected}\r\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("=?iso-8859-1?q?Gr=FC=DFe?=", "[geschützt] Grüße")]
    [InlineData("Hello", "[geschützt] Hello")]
    [InlineData("Re: =?utf-8?b?w6k=?= and more", "[geschützt] Re: é and more")]
    public void A_non_ASCII_prefix_stays_apart_from_the_subject_when_displayed(string subject, string displayed)
    {
        var output = Rewrite($"From: a@b.example\r\nSubject: {subject}\r\n\r\n", new RewriteOptions { SubjectPrefix = "[geschützt] " });
        var message = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.Latin1.GetBytes(output)));
        Assert.Equal(displayed, message.Subject);
        Assert.True(output.Split("\r\n").All(line => line.Length <= 78), "a header line is longer than 78 characters");
    }

    [Fact]
    public void Only_the_first_Message_ID_is_kept_and_a_missing_one_is_made_on_our_domain()
    {
        var output = Rewrite("From: a@b.example\r\nMessage-ID: <one@b.example>\r\nMessage-Id: <ONE@b.example>\r\n\r\n", new RewriteOptions());
        Assert.Contains("Message-ID: <one@b.example>\r\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("ONE@", output, StringComparison.Ordinal);
        Assert.Contains("Message-ID: <k1@mask.example.com>\r\n", Rewrite("From: a@b.example\r\n\r\n", new RewriteOptions()), StringComparison.Ordinal);
    }

    [Fact]
    public void ToHeader_target_replaces_every_To_with_the_target()
    {
        var output = Rewrite("From: a@b.example\r\nTo: x7g2@mask.example.com,\r\n other@b.example\r\nCc: c@b.example\r\nTo: more@b.example\r\n\r\n", new RewriteOptions { ToHeader = "target" });
        Assert.Single(output.Split("\r\n"), l => l.StartsWith("To:", StringComparison.Ordinal));
        Assert.Contains("\r\nTo: john@real.example.org\r\nCc: c@b.example\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hop_counter_counts_up_and_a_loop_past_MaxHops_is_not_forwarded()
    {
        var once = Result("X-MailTumble-Loop: 2\r\nFrom: a@b.example\r\n\r\n", new RewriteOptions());
        Assert.Equal(RewriteVerdict.Forward, once.Verdict);
        Assert.Single(Encoding.ASCII.GetString(once.Headers).Split("\r\n"), l => l == "X-MailTumble-Loop: 3");

        var looped = Result("X-MailTumble-Loop: 3\r\nFrom: a@b.example\r\n\r\n", new RewriteOptions());
        Assert.Equal(RewriteVerdict.Loop, looped.Verdict);
        Assert.Contains("3 times", looped.Reason, StringComparison.Ordinal);
        Assert.Contains("MaxHops", looped.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Untouched_headers_keep_their_exact_bytes_including_folding_and_8bit()
    {
        var output = Rewrite("From: a@b.example\r\nX-Folded: one\r\n\t two\r\nX-Latin: caf\u00e9\r\nSubject: =?iso-8859-1?q?caf=E9?=\r\n\r\n", new RewriteOptions());
        Assert.Contains("X-Folded: one\r\n\t two\r\nX-Latin: caf\u00e9\r\nSubject: =?iso-8859-1?q?caf=E9?=\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_overlong_line_is_folded_at_a_blank_and_an_unbreakable_token_passes_unchanged()
    {
        var words = string.Join(' ', Enumerable.Repeat("<abcdefghij@example.com>", 80));
        var blob = "X-Blob: " + new string('x', 1200);
        var output = Rewrite($"From: a@b.example\r\nReferences: {words}\r\n{blob}\r\nX-After: kept\r\n\r\n", new RewriteOptions());
        Assert.All(output.Split("\r\n").Where(l => !l.StartsWith("X-Blob", StringComparison.Ordinal)), l => Assert.True(l.Length <= 998));
        Assert.Equal(words, Encoding.Latin1.GetString(ParsedMessage.Parse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(output + "\r\n"))).HeaderBlock).Split("References: ")[1].Split("\r\nX-Blob")[0].Replace("\r\n", string.Empty, StringComparison.Ordinal));

        // As Postfix does: the line goes out as received, neither cut nor dropped, and the fields after it are intact.
        Assert.Contains("\r\n" + blob + "\r\nX-After: kept\r\n", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Subject")]
    [InlineData("Message-ID")]
    [InlineData("Reply-To")]
    [InlineData("Cc")]
    public void A_rewritten_or_kept_field_with_an_unbreakable_token_is_never_emptied(string name)
    {
        var token = "<" + new string('t', 1100) + "@long.example>";
        var masking = new TwoWayMasking("header-rewriter-test-key-0123456789"u8.ToArray());
        var options = new RewriteOptions { SubjectPrefix = "[m] " };
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes($"From: a@b.example\r\n{name}: {token}\r\n\r\nbody\r\n")));
        var output = Encoding.Latin1.GetString(new HeaderRewriter(options, Time, masking).Rewrite(parsed, Input).Headers);
        Assert.Contains(new string('t', 1100), output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_with_a_NUL_byte_refuses_the_message_naming_the_field()
    {
        var result = Result("From: a@b.example\r\nX-Bad: a\0b\r\nX-Good: c\r\n\r\n", new RewriteOptions());
        Assert.Equal(RewriteVerdict.Refuse, result.Verdict);
        Assert.Equal("NUL byte in header X-Bad", result.Reason);

        // A NUL in a folded continuation line names the field it belongs to.
        Assert.Equal("NUL byte in header X-Folded", Result("From: a@b.example\r\nX-Folded: a\r\n b\0c\r\n\r\n", new RewriteOptions()).Reason);
    }

    [Fact]
    public void The_body_offset_points_past_the_empty_line_and_the_body_is_never_parsed()
    {
        var bytes = Encoding.Latin1.GetBytes("From: a@b.example\r\n\r\nFrom: not-a-header\r\n\u00ff\r\n");
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(21, parsed.BodyOffset);
        Assert.True(parsed.EightBit);
        Assert.Single(parsed.Fields);
    }

    [Fact]
    public void A_message_with_no_body_separator_is_all_headers()
    {
        var bytes = "From: a@b.example\r\nSubject: x\r\n"u8.ToArray();
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(bytes.Length, parsed.BodyOffset);
        Assert.Equal(2, parsed.Fields.Count);
        Assert.False(parsed.EightBit);
    }

    [Theory]
    [InlineData("From: a@b.example\r\nthis is text\r\nSubject: x\r\n", 19)]
    [InlineData("From: a@b.example\r\n: empty name\r\n", 19)]
    [InlineData("From: a@b.example\nSubject: x\n\nbody\n", 30)]
    public void A_non_header_line_starts_the_body_and_LF_only_input_is_understood(string message, int bodyOffset)
    {
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(message)));
        Assert.Equal(bodyOffset, parsed.BodyOffset);
        Assert.Null(parsed.Problem);
    }

    [Fact]
    public void A_header_section_without_end_beyond_the_limit_is_refused()
    {
        var message = "From: a@b.example\r\nX-Long: " + new string('a', ParsedMessage.MaxHeaderBytes + 10) + "\r\n\r\nbody";
        var result = Result(message, new RewriteOptions());
        Assert.Equal(RewriteVerdict.Refuse, result.Verdict);
        Assert.Contains("header section", result.Reason, StringComparison.Ordinal);
    }
}
