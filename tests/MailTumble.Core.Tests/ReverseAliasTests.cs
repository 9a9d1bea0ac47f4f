using MailTumble.Core.Replies;

namespace MailTumble.Core.Tests;

public sealed class ReverseAliasTests
{
    private static readonly ReverseAliases Codec = new("reverse-alias-test-key-0123456789"u8.ToArray());

    [Theory]
    [InlineData("x7g2@mask.example.com", "shop@brand.example")]
    [InlineData("john+news@mask.example.com", "bounce+abc=def@list.brand.example")]
    [InlineData("a.b-c@mask.example.com", "o'brien.x{y}@sub.domain.example")]
    [InlineData("x7g2@mask.example.com", "newsletter+weekly+2026@mail.company-name.example")]
    public void A_reverse_alias_reads_back_as_its_alias_and_correspondent_in_any_case(string alias, string correspondent)
    {
        var address = Codec.Create(alias, correspondent);
        Assert.NotNull(address);
        Assert.EndsWith("@" + alias[(alias.IndexOf('@') + 1)..], address, StringComparison.Ordinal);
        var parsed = Codec.Parse(address.ToUpperInvariant());
        Assert.Equal(new ReverseAlias(address, alias, correspondent), parsed);
    }

    [Fact]
    public void The_format_is_readable_and_short_for_ordinary_addresses()
    {
        var address = Codec.Create("x7g2@mask.example.com", "Shop@Brand.Example")!;
        Assert.Matches(@"^x7g2\+shop=brand\.example\.[a-z2-7]{10}@mask\.example\.com$", address);
        Assert.True(address.IndexOf('@') <= 64, address);
    }

    [Fact]
    public void An_altered_tag_or_correspondent_is_not_a_reverse_alias()
    {
        var address = Codec.Create("x7g2@mask.example.com", "shop@brand.example")!;
        var at = address.IndexOf('@');
        var tagStart = at - ReverseAliases.TagLength;
        var flipped = address[..tagStart] + (address[tagStart] == 'a' ? 'b' : 'a') + address[(tagStart + 1)..];
        Assert.Null(Codec.Parse(flipped));
        Assert.Null(Codec.Parse(address.Replace("shop=", "shoq=", StringComparison.Ordinal)));
        Assert.Null(Codec.Parse(address.Replace("brand.example", "evil.example", StringComparison.Ordinal)));
        Assert.Null(new ReverseAliases("another-key-entirely-0123456789"u8.ToArray()).Parse(address));
    }

    [Fact]
    public void One_alias_reverse_alias_cannot_be_moved_to_another_alias()
    {
        // The owner of y8h3 takes x7g2's reverse alias and puts their own alias in front of it (same domain, same tag).
        var address = Codec.Create("x7g2@mask.example.com", "shop@brand.example")!;
        Assert.Null(Codec.Parse("y8h3" + address[4..]));
        Assert.Null(Codec.Parse(address.Replace("@mask.example.com", "@other.example.com", StringComparison.Ordinal)));
        Assert.NotEqual(address[(address.IndexOf('@') - 10)..], Codec.Create("y8h3@mask.example.com", "shop@brand.example")![(address.IndexOf('@') - 10)..]);
    }

    [Theory]
    [InlineData("\"john smith\"@brand.example")]
    [InlineData("a%b@brand.example")]
    [InlineData("a!b@brand.example")]
    [InlineData("not an address")]
    public void A_correspondent_that_is_not_a_plain_address_gets_no_reverse_alias(string correspondent) =>
        Assert.Null(Codec.Create("x7g2@mask.example.com", correspondent));

    [Theory]
    [InlineData("x7g2@mask.example.com")]
    [InlineData("john+news@mask.example.com")]
    [InlineData("x7g2+shop=brand.example.aaaaaaaaaa@mask.example.com")]
    [InlineData("bounces+abcdefghij@mask.example.com")]
    [InlineData("")]
    public void Ordinary_and_guessed_addresses_are_not_reverse_aliases(string address) => Assert.Null(Codec.Parse(address));
}
