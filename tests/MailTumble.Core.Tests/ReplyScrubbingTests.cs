using System.Buffers;
using System.Text;
using MailTumble.Core.Replies;
using MailTumble.Core.Rewriting;
using MailTumble.Testing.Replies;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace MailTumble.Core.Tests;

/// <summary>Replies from the owner as real mail programs write them: what goes out to the correspondent carries no trace of the owner's address.</summary>
public sealed class ReplyScrubbingTests
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Target = "john@real.example.org";
    private static readonly TwoWayMasking Masking = new("reply-scrubbing-test-key-0123456"u8.ToArray());
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 28, 12, 10, 0, TimeSpan.Zero));
    private static readonly string Shop = Masking.Aliases.Create(Alias, "shop@brand.example")!;
    private static readonly string Bob = Masking.Aliases.Create(Alias, "bob@other.example")!;
    private const string QuotedFrom = "Brand Shop <x7g2@mask.example.com>";

    public static TheoryData<string> Samples() => ["gmail", "outlook", "apple"];

    private static string Sample(string name, string? inReplyTo = null) => name switch
    {
        "gmail" => ReplySamples.Gmail(Target, "John Smith", $"Brand Shop <{Shop}>", QuotedFrom, inReplyTo ?? ReplySamples.OriginalId),
        "outlook" => ReplySamples.Outlook(Target, "John Smith", $"Brand Shop <{Shop}>", QuotedFrom, inReplyTo ?? ReplySamples.OriginalId),
        _ => ReplySamples.AppleMail(Target, "John Smith", $"Brand Shop <{Shop}>", $"Bob <{Bob}>", QuotedFrom, inReplyTo ?? ReplySamples.OriginalId),
    };

    /// <summary>What the relay sends to <paramref name="correspondent"/>: the scrubbed (or untouched) message with the reply's header block.</summary>
    private static async Task<(byte[] Sent, bool Scrubbed, byte[] Input)> SendAsync(string message, string correspondent = "shop@brand.example")
    {
        var input = Encoding.UTF8.GetBytes(message);
        var scrubbed = await ReplyBodyScrubber.ScrubAsync(new MemoryStream(input, writable: false), Target, Alias, default);
        var bytes = scrubbed ?? input;
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(bytes));
        var result = new ReplyRewriter(3, Masking, Time).Rewrite(parsed, new ReplyInput(Alias, Target, correspondent, "0192f1a2b3c47d8e9f00112233445566", "k1"));
        Assert.Equal(RewriteVerdict.Forward, result.Verdict);
        var sent = result.Headers.Concat("\r\n"u8.ToArray()).Concat(CrlfBody.Normalize(bytes.AsSpan((int)parsed.BodyOffset))).ToArray();
        return (sent, scrubbed is not null, input);
    }

    private static MimeMessage Load(byte[] bytes) => MimeMessage.Load(new MemoryStream(bytes));

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Nothing_sent_mentions_the_owner_address_and_it_comes_from_the_alias(string sample)
    {
        var (sent, _, input) = await SendAsync(Sample(sample));
        Assert.Contains(Leaks.Find(input, Target), l => l.StartsWith("header", StringComparison.Ordinal));
        Assert.Empty(Leaks.Find(sent, Target));
        Assert.Empty(Leaks.Find(sent, "real.example.org"));

        var message = Load(sent);
        Assert.Equal(Alias, Assert.Single(message.From.Mailboxes).Address);
        Assert.Equal("shop@brand.example", Assert.Single(message.To.Mailboxes).Address);
        Assert.Equal("Brand Shop", message.To.Mailboxes.Single().Name);
        foreach (var gone in new[] { "Return-Path", "Sender", "Reply-To", "DKIM-Signature", "ARC-Seal", "ARC-Authentication-Results", "X-Originating-IP", "X-Gm-Message-State", "X-Google-Smtp-Source", "X-Mailer", "Disposition-Notification-To", "X-MS-Exchange-Organization-AuthSource", "Accept-Language" })
        {
            Assert.False(message.Headers.Contains(gone), gone + " is still there");
        }

        // Only our own trace field remains.
        var received = Assert.Single(message.Headers, h => h.Field == "Received");
        Assert.StartsWith("by mask.example.com (MailTumble) id 0192f1a2b3c47d8e9f00112233445566", received.Value, StringComparison.Ordinal);
        Assert.Equal("<m1@brand.example>", message.Headers["In-Reply-To"]);
        Assert.StartsWith("Re", message.Subject, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 12, 5, 0, TimeSpan.Zero), message.Date.ToUniversalTime());
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task The_Message_ID_is_sealed_on_the_alias_domain_and_opens_to_the_owner_own(string sample)
    {
        var input = Load(Encoding.UTF8.GetBytes(Sample(sample)));
        var (sent, _, _) = await SendAsync(Sample(sample));
        var id = Load(sent).MessageId;
        Assert.StartsWith("mt.", id, StringComparison.Ordinal);
        Assert.EndsWith("@mask.example.com", id, StringComparison.Ordinal);
        Assert.Equal(input.MessageId, Masking.Ids.Open(id!, Alias));
    }

    [Fact]
    public async Task Gmail_and_Outlook_text_is_rewritten_with_the_alias_where_the_owner_address_was()
    {
        var (gmail, scrubbed, _) = await SendAsync(Sample("gmail"));
        Assert.True(scrubbed);
        var parts = Load(gmail).BodyParts.OfType<TextPart>().ToList();
        Assert.Equal(2, parts.Count);
        Assert.Contains("John Smith\n" + Alias, parts[0].Text.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("mailto:" + Alias, parts[1].Text, StringComparison.Ordinal);
        Assert.Equal(ContentEncoding.QuotedPrintable, parts[0].ContentTransferEncoding);

        var (outlook, _, _) = await SendAsync(Sample("outlook"));
        var html = Load(outlook).BodyParts.OfType<TextPart>().Single(p => p.IsHtml);
        Assert.Equal(ContentEncoding.Base64, html.ContentTransferEncoding);
        Assert.Contains("John Smith &lt;" + Alias + "&gt;", html.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_whose_text_does_not_mention_the_owner_keeps_its_body_byte_for_byte()
    {
        var (sent, scrubbed, input) = await SendAsync(Sample("apple"));
        Assert.False(scrubbed);
        var inputBody = input.AsSpan((int)ParsedMessage.Parse(new ReadOnlySequence<byte>(input)).BodyOffset);
        var sentBody = sent.AsSpan((int)ParsedMessage.Parse(new ReadOnlySequence<byte>(sent)).BodyOffset);
        Assert.True(inputBody.SequenceEqual(sentBody));
    }

    [Fact]
    public async Task Reply_all_turns_each_reverse_alias_back_into_its_correspondent_and_leaves_other_addresses()
    {
        var message = ReplySamples.AppleMail(Target, "John Smith", $"Brand Shop <{Shop}>, outside@elsewhere.example", $"Bob <{Bob}>, {Target}", QuotedFrom);
        foreach (var correspondent in new[] { "shop@brand.example", "bob@other.example" })
        {
            var sent = Load((await SendAsync(message, correspondent)).Sent);
            Assert.Equal(["shop@brand.example", "outside@elsewhere.example"], sent.To.Mailboxes.Select(m => m.Address));
            Assert.Equal(["bob@other.example", Alias], sent.Cc.Mailboxes.Select(m => m.Address));
            Assert.Contains("for <" + correspondent + ">", sent.Headers["Received"], StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_owner_own_ids_in_References_are_sealed_and_the_correspondent_ids_stay()
    {
        var message = Sample("apple").Replace("References: <m1@brand.example>", "References: <m1@brand.example>\r\n <r1@mail.real.example.org> <m2@brand.example>", StringComparison.Ordinal);
        var sent = Load((await SendAsync(message)).Sent);
        var references = sent.References.ToList();
        Assert.Equal(3, references.Count);
        Assert.Equal("m1@brand.example", references[0]);
        Assert.Equal("r1@mail.real.example.org", Masking.Ids.Open(references[1], Alias));
        Assert.Equal("m2@brand.example", references[2]);
    }

    [Fact]
    public async Task The_owner_address_in_an_encoded_subject_or_a_base64_part_is_replaced_too()
    {
        var subject = "=?UTF-8?B?" + Convert.ToBase64String(Encoding.UTF8.GetBytes("Re: Frage von john@real.example.org ü")) + "?=";
        var text = Convert.ToBase64String(Encoding.UTF8.GetBytes("Schreib mir an JOHN@REAL.EXAMPLE.ORG, danke.\r\n"), Base64FormattingOptions.InsertLineBreaks);
        var message = $"From: John <{Target}>\r\nTo: {Shop}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{text}\r\n";
        var (sent, scrubbed, input) = await SendAsync(message);
        Assert.True(scrubbed);
        Assert.Contains("header Subject", Leaks.Find(input, Target));
        Assert.Empty(Leaks.Find(sent, Target));
        var loaded = Load(sent);
        Assert.Equal("Re: Frage von x7g2@mask.example.com ü", loaded.Subject);
        Assert.Contains("Schreib mir an x7g2@mask.example.com, danke.", loaded.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_attachment_is_left_alone_and_the_message_structure_survives_scrubbing()
    {
        var attachment = Convert.ToBase64String(new byte[] { 0x25, 0x50, 0x44, 0x46, 1, 2, 3, 4, 5, 6, 7, 8 });
        var message = $"From: John <{Target}>\r\nTo: {Shop}\r\nSubject: invoice\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSee attached. -- {Target}\r\n--b1\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b1--\r\nepilogue\r\n";
        var (sent, scrubbed, _) = await SendAsync(message);
        Assert.True(scrubbed);
        var text = Encoding.ASCII.GetString(sent);
        Assert.Contains("\r\n--b1\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\nContent-Disposition: attachment; filename=\"invoice.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + attachment + "\r\n--b1--\r\nepilogue", text, StringComparison.Ordinal);
        Assert.Contains("See attached. -- " + Alias, text, StringComparison.Ordinal);
    }
}
