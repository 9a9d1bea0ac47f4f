using System.Buffers;
using System.Text;
using MailTumble.Core.Rewriting;

namespace MailTumble.Core.Tests;

public sealed class HeaderRewriterTests
{
    private static readonly RewriteInput Input = new("x7g2@mask.example.com", "john@real.example.org", "bounce@brand.example");

    private static string Rewrite(string message, RewriteOptions options)
    {
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(Encoding.Latin1.GetBytes(message)));
        return Encoding.Latin1.GetString(new HeaderRewriter(options).Rewrite(parsed, Input));
    }

    [Fact]
    public void From_becomes_FROM_EMAIL_with_the_original_name_and_Reply_To_keeps_the_original_sender()
    {
        var output = Rewrite("From: Betsy Ross <betsy@brand.example>\r\nTo: x7g2@mask.example.com\r\nSubject: Hi\r\n\r\nbody\r\n", new RewriteOptions { FromEmail = "relay@mask.example.com" });
        Assert.Equal(
            "From: Betsy Ross <relay@mask.example.com>\r\nTo: x7g2@mask.example.com\r\nSubject: Hi\r\nReply-To: Betsy Ross <betsy@brand.example>\r\n",
            output);
    }

    [Fact]
    public void Without_FROM_EMAIL_the_alias_is_the_sender_and_a_nameless_From_gets_an_at_name()
    {
        var output = Rewrite("From: betsy@brand.example\r\n\r\nbody\r\n", new RewriteOptions());
        Assert.StartsWith("From: \"betsy at brand.example\" <x7g2@mask.example.com>\r\n", output, StringComparison.Ordinal);
        Assert.Contains("Reply-To: betsy@brand.example\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_existing_Reply_To_is_kept_and_no_second_one_is_added()
    {
        var output = Rewrite("From: a@brand.example\r\nreply-TO: support@brand.example\r\n\r\nx\r\n", new RewriteOptions());
        Assert.Contains("reply-TO: support@brand.example\r\n", output, StringComparison.Ordinal);
        Assert.Single(output.Split("\r\n"), l => l.StartsWith("reply-to", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Return_Path_Sender_and_every_folded_DKIM_Signature_are_removed()
    {
        var output = Rewrite(
            "Return-Path: <x@y.example>\r\nDKIM-Signature: v=1; a=rsa-sha256;\r\n\tb=abc\r\nFrom: a@brand.example\r\nSender: s@brand.example\r\nDKIM-Signature: v=1;\r\n b=def\r\nX-Keep: yes\r\n\r\nbody\r\n",
            new RewriteOptions());
        Assert.DoesNotContain("DKIM", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Return-Path", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Sender:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("b=def", output, StringComparison.Ordinal);
        Assert.Contains("X-Keep: yes\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_subject_prefix_is_added_once()
    {
        var options = new RewriteOptions { SubjectPrefix = "[masked] " };
        Assert.Contains("Subject: [masked] Hello\r\n", Rewrite("From: a@b.example\r\nSubject: Hello\r\n\r\n", options), StringComparison.Ordinal);
        Assert.Contains("Subject: [masked] Hello\r\n", Rewrite("From: a@b.example\r\nSubject: [masked] Hello\r\n\r\n", options), StringComparison.Ordinal);
    }

    [Fact]
    public void Untouched_headers_keep_their_exact_bytes_including_folding_and_8bit()
    {
        var output = Rewrite("From: a@b.example\r\nX-Folded: one\r\n\t two\r\nX-Latin: caf\u00e9\r\nSubject: =?iso-8859-1?q?caf=E9?=\r\n\r\n", new RewriteOptions());
        Assert.Contains("X-Folded: one\r\n\t two\r\nX-Latin: caf\u00e9\r\nSubject: =?iso-8859-1?q?caf=E9?=\r\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_body_offset_points_past_the_empty_line_and_the_body_is_never_parsed()
    {
        var bytes = Encoding.Latin1.GetBytes("From: a@b.example\r\n\r\nFrom: not-a-header\r\n\u00ff\r\n");
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(21, parsed.BodyOffset);
        Assert.True(parsed.EightBit);
        Assert.Single(parsed.Headers);
    }

    [Fact]
    public void A_message_with_no_body_separator_is_all_headers()
    {
        var bytes = "From: a@b.example\r\nSubject: x\r\n"u8.ToArray();
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(bytes));
        Assert.Equal(bytes.Length, parsed.BodyOffset);
        Assert.Equal(2, parsed.Headers.Count);
        Assert.False(parsed.EightBit);
    }
}
