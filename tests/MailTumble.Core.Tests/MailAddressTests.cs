using MailTumble.Core.Addressing;

namespace MailTumble.Core.Tests;

public sealed class MailAddressTests
{
    [Theory]
    [InlineData("X7G2@Mask.Example.COM", "x7g2@mask.example.com")]
    [InlineData("john+news@real.example.org", "john+news@real.example.org")]
    [InlineData("a.b-c_d@sub.example.org.", "a.b-c_d@sub.example.org")]
    public void Plain_addresses_parse_lower_cased(string input, string expected)
    {
        Assert.True(MailAddress.TryParse(input, out var address));
        Assert.Equal(expected, address.Value);
    }

    [Theory]
    [InlineData("user%evil.example@mask.example.com")]
    [InlineData("evil.example!user@mask.example.com")]
    [InlineData("\"user@evil.example\"@mask.example.com")]
    [InlineData("@evil.example:user@mask.example.com")]
    [InlineData("user@[127.0.0.1]")]
    [InlineData("user@@mask.example.com")]
    [InlineData("no-at-sign")]
    [InlineData("user@")]
    [InlineData("@mask.example.com")]
    [InlineData("us..er@mask.example.com")]
    [InlineData("user\r\n@mask.example.com")]
    [InlineData("user@mask..example.com")]
    public void Routing_tricks_and_junk_are_refused(string input)
    {
        Assert.False(MailAddress.TryParse(input, out _));
    }

    [Fact]
    public void Over_long_addresses_are_refused()
    {
        Assert.False(MailAddress.TryParse(new string('a', 1000) + "@mask.example.com", out _));
        Assert.False(MailAddress.TryParse(new string('a', 65) + "@mask.example.com", out _));
    }
}
