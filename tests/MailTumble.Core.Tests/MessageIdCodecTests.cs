using MailTumble.Core.Replies;

namespace MailTumble.Core.Tests;

public sealed class MessageIdCodecTests
{
    private static readonly MessageIdCodec Codec = new("message-id-test-key-0123456789ab"u8.ToArray());

    [Fact]
    public void A_sealed_id_is_on_the_alias_domain_hides_the_original_and_opens_to_it_again()
    {
        const string original = "CAHx8Kb7=Jq3uT4+Zy1a2b3@mail.real.example.org";
        var sealedId = Codec.Seal(original, "x7g2@mask.example.com")!;
        Assert.StartsWith(MessageIdCodec.Prefix, sealedId, StringComparison.Ordinal);
        Assert.EndsWith("@mask.example.com", sealedId, StringComparison.Ordinal);
        Assert.DoesNotContain("real.example", sealedId, StringComparison.OrdinalIgnoreCase);
        Assert.Matches("^mt\\.[a-z2-7]+@mask\\.example\\.com$", sealedId);
        Assert.Equal(original, Codec.Open(sealedId, "x7g2@mask.example.com"));
        Assert.Equal(original, Codec.Open(sealedId.ToUpperInvariant(), "X7G2@mask.example.com"));
    }

    [Fact]
    public void The_same_reply_gets_the_same_sealed_id_for_every_recipient_and_retry() =>
        Assert.Equal(Codec.Seal("r1@real.example.org", "x7g2@mask.example.com"), Codec.Seal("r1@real.example.org", "x7g2@mask.example.com"));

    [Fact]
    public void A_sealed_id_opens_only_for_its_alias_and_only_unaltered()
    {
        var sealedId = Codec.Seal("r1@real.example.org", "x7g2@mask.example.com")!;
        Assert.Null(Codec.Open(sealedId, "y8h3@mask.example.com"));
        var i = sealedId.IndexOf('@') - 5;
        Assert.Null(Codec.Open(sealedId[..i] + (sealedId[i] == 'a' ? 'b' : 'a') + sealedId[(i + 1)..], "x7g2@mask.example.com"));
        Assert.Null(new MessageIdCodec("another-key-entirely-0123456789"u8.ToArray()).Open(sealedId, "x7g2@mask.example.com"));
        Assert.Null(Codec.Open("m1@brand.example", "x7g2@mask.example.com"));
        Assert.Null(Codec.Open("mt.short@mask.example.com", "x7g2@mask.example.com"));
    }

    [Fact]
    public void An_id_too_long_to_carry_is_not_sealed() =>
        Assert.Null(Codec.Seal(new string('a', MessageIdCodec.MaxOriginal + 1) + "@real.example.org", "x7g2@mask.example.com"));
}
