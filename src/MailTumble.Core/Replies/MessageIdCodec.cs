using System.Security.Cryptography;
using System.Text;

namespace MailTumble.Core.Replies;

/// <summary>
/// Stateless Message-ID mapping for replies. A reply's own Message-ID (which names the owner's mail system, sometimes
/// their address) is replaced by <c>mt.{sealed}@{alias domain}</c>, where the original is sealed with AES-GCM under a
/// key derived from the reply key and bound to the alias. When the correspondent answers, their <c>In-Reply-To</c> and
/// <c>References</c> carry the sealed id; forwarding it to the owner opens it again, so the owner's mail program
/// threads the answer with what it sent. No table: it works on every node and every backend family.
/// </summary>
/// <remarks>
/// The nonce is derived from the alias and the original id (a synthetic IV), so the same reply gets the same sealed id
/// for each of its recipients and on every retry. Binding to the alias means a sealed id copied into mail for another
/// alias opens to nothing there.
/// </remarks>
public sealed class MessageIdCodec
{
    /// <summary>Local-part prefix of a sealed id.</summary>
    public const string Prefix = "mt.";

    /// <summary>Originals longer than this are not sealed (the sealed form must stay well inside a header line).</summary>
    public const int MaxOriginal = 400;

    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _encryption;
    private readonly byte[] _nonce;

    /// <summary>Creates the codec with the reply key (at least 16 bytes).</summary>
    public MessageIdCodec(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(key.Length, 16);
        _encryption = HMACSHA256.HashData(key, "mailtumble message-id encryption"u8);
        _nonce = HMACSHA256.HashData(key, "mailtumble message-id nonce"u8);
    }

    /// <summary>
    /// The sealed id (without angle brackets) standing for <paramref name="original"/> (without angle brackets) in mail
    /// from <paramref name="alias"/>; null when the original is too long to carry.
    /// </summary>
    public string? Seal(string original, string alias)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(alias);
        var plain = Encoding.UTF8.GetBytes(original);
        if (plain.Length > MaxOriginal)
        {
            return null;
        }

        var bound = Bound(alias);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        HMACSHA256.HashData(_nonce, (byte[])[.. bound, 0, .. plain]).AsSpan(0, NonceBytes).CopyTo(nonce);
        using var aes = new AesGcm(_encryption, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), bound);
        return Prefix + Base32.Encode(sealedBytes) + "@" + Domain(alias);
    }

    /// <summary>The original id a sealed id (without angle brackets) stands for in mail to <paramref name="alias"/>, or null.</summary>
    public string? Open(string id, string alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        if (string.IsNullOrEmpty(id) || !id.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var at = id.LastIndexOf('@');
        var text = at < 0 ? string.Empty : id[Prefix.Length..at];
        var length = text.Length * 5 / 8;
        if (length < NonceBytes + TagBytes + 1 || length > NonceBytes + TagBytes + MaxOriginal)
        {
            return null;
        }

        var sealedBytes = new byte[length];
        if (!Base32.TryDecode(text, sealedBytes))
        {
            return null;
        }

        var plain = new byte[length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(_encryption, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), plain, Bound(alias));
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }

        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] Bound(string alias) => Encoding.UTF8.GetBytes(alias.Trim().ToLowerInvariant());

    private static string Domain(string alias) => alias[(alias.LastIndexOf('@') + 1)..].Trim().ToLowerInvariant();
}
