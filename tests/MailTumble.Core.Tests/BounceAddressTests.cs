using MailTumble.Core.Bounces;
using MailTumble.Files;
using Microsoft.Extensions.Time.Testing;

namespace MailTumble.Core.Tests;

public sealed class BounceAddressTests
{
    private const string Id = "0192f1a2b3c47d8e9f00112233445566";
    private const string Target = "john@real.example.org";
    private static readonly byte[] Key = "0123456789abcdef-secret"u8.ToArray();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    private BounceAddress Signer(byte[]? key = null) => new(key ?? Key, TimeSpan.FromDays(7), _time);

    [Fact]
    public void An_address_round_trips_to_the_delivery_id_and_target_and_fits_the_local_part_limit()
    {
        var address = Signer().Create(Id, Target, "Mask.Example.com");
        Assert.StartsWith("bounces+", address, StringComparison.Ordinal);
        Assert.EndsWith("@mask.example.com", address, StringComparison.Ordinal);
        Assert.True(address.IndexOf('@', StringComparison.Ordinal) <= 64);

        var check = Signer().Check(address, "JOHN@real.example.org");
        Assert.Equal(BounceStatus.Valid, check.Status);
        Assert.Equal(Id, check.DeliveryId);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromDays(7), check.ExpiresAt);
        Assert.Equal(BounceStatus.Valid, Signer().Check(address.ToUpperInvariant()).Status);
    }

    [Fact]
    public void A_changed_character_a_different_key_or_another_target_is_recognised()
    {
        var address = Signer().Create(Id, Target, "mask.example.com");
        for (var i = "bounces+".Length; i < address.IndexOf('@', StringComparison.Ordinal); i++)
        {
            var tampered = address[..i] + (address[i] == 'a' ? 'b' : 'a') + address[(i + 1)..];
            Assert.NotEqual(BounceStatus.Valid, Signer().Check(tampered, Target).Status);
        }

        Assert.Equal(BounceStatus.Forged, Signer("another-key-of-16-bytes"u8.ToArray()).Check(address).Status);
        Assert.Equal(BounceStatus.WrongTarget, Signer().Check(address, "eve@real.example.org").Status);
        Assert.Equal(BounceStatus.NotBounceAddress, Signer().Check("bounces+short@mask.example.com").Status);
        Assert.Equal(BounceStatus.NotBounceAddress, Signer().Check("john@real.example.org").Status);
    }

    [Fact]
    public void An_address_expires_after_its_lifetime()
    {
        var address = Signer().Create(Id, Target, "mask.example.com");
        _time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1));
        Assert.Equal(BounceStatus.Valid, Signer().Check(address, Target).Status);
        _time.Advance(TimeSpan.FromMinutes(1));
        var check = Signer().Check(address, Target);
        Assert.Equal(BounceStatus.Expired, check.Status);
        Assert.Equal(Id, check.DeliveryId);
    }

    [Fact]
    public void The_key_file_is_created_once_and_reused()
    {
        var file = Path.Combine(Path.GetTempPath(), "mt-" + Guid.NewGuid().ToString("N"), "bounce.key");
        try
        {
            var first = BounceKey.Load(null, file, new KeyFiles());
            Assert.Equal(32, first.Length);
            Assert.Equal(first, BounceKey.Load(null, file, new KeyFiles()));
            Assert.Equal("configured-secret-key"u8.ToArray(), BounceKey.Load("configured-secret-key", file, new KeyFiles()));
        }
        finally
        {
            System.IO.Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }
}
