using System.Buffers;
using System.Text;
using MailTumble.Core.Replies;
using MailTumble.Core.Rewriting;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace MailTumble.Core.Tests;

/// <summary>Forwarded mail under two-way masking: every way back to a correspondent goes through a reverse alias.</summary>
public sealed class ForwardMaskingTests
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Target = "john@real.example.org";
    private static readonly TwoWayMasking Masking = new("forward-masking-test-key-0123456"u8.ToArray());
    private static readonly FakeTimeProvider Time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private static HeaderList Rewrite(string message, RewriteOptions? options = null)
    {
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(message)));
        var result = new HeaderRewriter(options ?? new RewriteOptions(), Time, Masking).Rewrite(parsed, new RewriteInput(Alias, Target, "bounce@brand.example", "d1", "k1"));
        Assert.Equal(RewriteVerdict.Forward, result.Verdict);
        return ParsedMessage.LoadHeaders(result.Headers);
    }

    private static List<MailboxAddress> Mailboxes(HeaderList headers, string name) =>
        headers.Where(h => h.Field.Equals(name, StringComparison.OrdinalIgnoreCase)).SelectMany(h => InternetAddressList.Parse(h.Value).Mailboxes).ToList();

    private static string Reverse(string correspondent) => Masking.Aliases.Create(Alias, correspondent)!;

    [Fact]
    public void Reply_To_is_the_author_reverse_alias_and_the_From_name_shows_who_wrote()
    {
        var headers = Rewrite("From: Brand Shop <shop@brand.example>\r\nTo: x7g2@mask.example.com\r\nSubject: Hi\r\n\r\nbody\r\n");
        Assert.Equal("Brand Shop", Mailboxes(headers, "From").Single().Name);
        Assert.Equal(Alias, Mailboxes(headers, "From").Single().Address);
        var replyTo = Assert.Single(Mailboxes(headers, "Reply-To"));
        Assert.Equal(("Brand Shop", Reverse("shop@brand.example")), (replyTo.Name, replyTo.Address));
        Assert.DoesNotContain("shop@brand.example", headers.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_existing_Reply_To_and_every_correspondent_in_To_and_Cc_become_reverse_aliases_but_the_alias_and_target_do_not()
    {
        var headers = Rewrite(
            "From: shop@brand.example\r\nReply-To: Support <support@brand.example>, orders@brand.example\r\n"
            + "To: x7g2@mask.example.com, \"Bob\" <bob@other.example>\r\nCc: carol@third.example, John <john@real.example.org>, team: dave@fourth.example;\r\n\r\nbody\r\n");
        Assert.Equal([Reverse("support@brand.example"), Reverse("orders@brand.example")], Mailboxes(headers, "Reply-To").Select(m => m.Address));
        Assert.Equal("orders at brand.example", Mailboxes(headers, "Reply-To")[1].Name);
        Assert.Equal([Alias, Reverse("bob@other.example")], Mailboxes(headers, "To").Select(m => m.Address));
        Assert.Equal([Reverse("carol@third.example"), Target, Reverse("dave@fourth.example")], Mailboxes(headers, "Cc").Select(m => m.Address));
        Assert.Single(headers, h => h.Field == "Reply-To");
        Assert.Contains("team:", headers["Cc"], StringComparison.Ordinal);
    }

    [Fact]
    public void With_no_From_the_envelope_sender_gets_the_reverse_alias()
    {
        var headers = Rewrite("Subject: no from\r\n\r\nbody\r\n");
        Assert.Equal(Reverse("bounce@brand.example"), Assert.Single(Mailboxes(headers, "Reply-To")).Address);
    }

    [Fact]
    public void An_unreadable_Reply_To_is_replaced_by_one_made_from_From()
    {
        var headers = Rewrite("From: shop@brand.example\r\nReply-To: <<<not an address\r\nTo: x7g2@mask.example.com\r\n\r\nbody\r\n");
        Assert.Equal(Reverse("shop@brand.example"), Assert.Single(Mailboxes(headers, "Reply-To")).Address);
        Assert.DoesNotContain("not an address", headers.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Sealed_ids_from_a_reply_through_this_alias_open_to_the_owner_own_ids_and_others_stay()
    {
        var mine = Masking.Ids.Seal("r1@mail.real.example.org", Alias)!;
        var otherAlias = Masking.Ids.Seal("r9@elsewhere.example", "other@mask.example.com")!;
        var headers = Rewrite($"From: shop@brand.example\r\nIn-Reply-To: <{mine}>\r\nReferences: <m1@brand.example>\r\n <{mine}> <{otherAlias}>\r\n\r\nbody\r\n");
        Assert.Equal("<r1@mail.real.example.org>", headers["In-Reply-To"]);
        Assert.Equal($"<m1@brand.example> <r1@mail.real.example.org> <{otherAlias}>", headers["References"]);
    }

    [Fact]
    public void A_message_with_only_the_alias_in_To_keeps_To_byte_for_byte()
    {
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>("From: shop@brand.example\r\nTo:   X7G2@mask.example.com (me)\r\nReferences: <m1@brand.example>\r\n\r\nbody\r\n"u8.ToArray()));
        var headers = Encoding.ASCII.GetString(new HeaderRewriter(new RewriteOptions(), Time, Masking).Rewrite(parsed, new RewriteInput(Alias, Target, string.Empty, "d1", "k1")).Headers);
        Assert.Contains("\r\nTo:   X7G2@mask.example.com (me)\r\n", headers, StringComparison.Ordinal);
        Assert.Contains("\r\nReferences: <m1@brand.example>\r\n", headers, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_masking_Reply_To_is_the_original_author_as_before()
    {
        var parsed = ParsedMessage.Parse(new ReadOnlySequence<byte>("From: shop@brand.example\r\nCc: carol@third.example\r\n\r\nbody\r\n"u8.ToArray()));
        var headers = Encoding.ASCII.GetString(new HeaderRewriter(new RewriteOptions(), Time).Rewrite(parsed, new RewriteInput(Alias, Target, string.Empty, "d1", "k1")).Headers);
        Assert.Contains("Reply-To: shop@brand.example\r\n", headers, StringComparison.Ordinal);
        Assert.Contains("Cc: carol@third.example\r\n", headers, StringComparison.Ordinal);
    }
}
