using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace MailTumble.Core.Bounces;

/// <summary>
/// Signs and checks VERP envelope senders <c>bounces+TOKEN@domain</c>. The token carries the queue item id
/// and an expiry, a 64-bit HMAC-SHA256 tag over both, and a 32-bit tag binding the target. The target itself
/// is not carried: the local part must stay within RFC 5321's 64 octets, and a bounce names its recipient anyway.
/// </summary>
public sealed class BounceAddress
{
    private const string Prefix = "bounces+";
    private const int IdBytes = 16;
    private const int TokenBytes = IdBytes + 4 + 8 + 4; // id, expiry (Unix seconds), tag, target tag: 52 base32 characters
    private readonly byte[] _key;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    /// <summary>Creates a signer with a secret of at least 16 bytes.</summary>
    public BounceAddress(byte[] key, TimeSpan lifetime, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(key.Length, 16);
        _key = key.ToArray();
        _lifetime = lifetime;
        _time = time;
    }

    /// <summary>The bounce address for one delivery (the id is the queue item id, 32 hex digits).</summary>
    public string Create(string deliveryId, string target, string domain)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(domain);
        if (!Guid.TryParseExact(deliveryId, "N", out var id))
        {
            throw new ArgumentException("the delivery id must be 32 hex digits", nameof(deliveryId));
        }

        Span<byte> token = stackalloc byte[TokenBytes];
        id.TryWriteBytes(token, bigEndian: true, out _);
        var expires = _time.GetUtcNow() + _lifetime;
        BinaryPrimitives.WriteUInt32BigEndian(token[IdBytes..], (uint)Math.Clamp(expires.ToUnixTimeSeconds(), 0, uint.MaxValue));
        Sign(token[..(IdBytes + 4)], target, token[(IdBytes + 4)..]);
        return Prefix + Core.Base32.Encode(token) + "@" + domain.ToLowerInvariant();
    }

    /// <summary>Checks an address; pass the bounced recipient as <paramref name="target"/> to also check that binding.</summary>
    public BounceCheck Check(string address, string? target = null)
    {
        var at = address?.LastIndexOf('@') ?? -1;
        if (at < 0 || !address!.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return new BounceCheck(BounceStatus.NotBounceAddress, null, null);
        }

        Span<byte> token = stackalloc byte[TokenBytes];
        if (!Core.Base32.TryDecode(address.AsSpan(Prefix.Length, at - Prefix.Length), token))
        {
            return new BounceCheck(BounceStatus.NotBounceAddress, null, null);
        }

        Span<byte> expected = stackalloc byte[12];
        Sign(token[..(IdBytes + 4)], target ?? string.Empty, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected[..8], token.Slice(IdBytes + 4, 8)))
        {
            return new BounceCheck(BounceStatus.Forged, null, null);
        }

        var id = new Guid(token[..IdBytes], bigEndian: true).ToString("N");
        var expires = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32BigEndian(token[IdBytes..]));
        if (_time.GetUtcNow() >= expires)
        {
            return new BounceCheck(BounceStatus.Expired, id, expires);
        }

        if (target is not null && !CryptographicOperations.FixedTimeEquals(expected[8..], token[(IdBytes + 12)..]))
        {
            return new BounceCheck(BounceStatus.WrongTarget, id, expires);
        }

        return new BounceCheck(BounceStatus.Valid, id, expires);
    }

    /// <summary>Writes the 8-byte tag over id and expiry, then the 4-byte tag that also covers the target.</summary>
    private void Sign(ReadOnlySpan<byte> idAndExpiry, string target, Span<byte> destination)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, idAndExpiry, mac);
        mac[..8].CopyTo(destination);
        var normalized = Encoding.UTF8.GetBytes(target.Trim().ToLowerInvariant());
        var bound = new byte[idAndExpiry.Length + normalized.Length];
        idAndExpiry.CopyTo(bound);
        normalized.CopyTo(bound.AsSpan(idAndExpiry.Length));
        HMACSHA256.HashData(_key, bound, mac);
        mac[..4].CopyTo(destination[8..]);
    }
}
