using System.Security.Cryptography;
using System.Text;
using MailTumble.Core.Addressing;

namespace MailTumble.Core.Replies;

/// <summary>
/// Signed, stateless reverse aliases: <c>{alias local}+{correspondent local}={correspondent domain}.{tag}@{alias domain}</c>,
/// for example <c>x7g2+shop=brand.example.k3j9a2mxq4@mask.example.com</c>. The tag is 50 bits of an HMAC-SHA256 over the
/// alias and the correspondent, so the address cannot be forged or moved to another alias, and no table is needed: any
/// directory driver, read-only ones included, works, and every node with the same key reads every address.
/// </summary>
/// <remarks>
/// Parsing tries each <c>+</c> as the border between the two local parts (either may contain <c>+</c>) and keeps the one
/// whose tag matches; the last <c>=</c> starts the correspondent's domain (a domain has no <c>=</c>).
/// </remarks>
public sealed class ReverseAliases
{
    /// <summary>Characters of the tag (50 bits).</summary>
    public const int TagLength = 10;

    private const int MaxSplits = 8;
    private readonly byte[] _key;

    /// <summary>Creates the codec with the reply key (at least 16 bytes); the tag key is derived from it.</summary>
    public ReverseAliases(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentOutOfRangeException.ThrowIfLessThan(key.Length, 16);
        _key = HMACSHA256.HashData(key, "mailtumble reverse alias"u8);
    }

    /// <summary>
    /// The reverse alias for mail from <paramref name="correspondent"/> to <paramref name="alias"/>, or null when the
    /// correspondent is not a plain address that can be carried (quoted local part, routing characters) or the result
    /// would be longer than an address may be.
    /// </summary>
    public string? Create(string alias, string correspondent)
    {
        if (!MailAddress.TryParse(alias?.Trim(), out var a) || !MailAddress.TryParse(correspondent?.Trim(), out var c))
        {
            return null;
        }

        var address = $"{a.Local}+{c.Local}={c.Domain}.{Tag(a.Value, c.Value)}@{a.Domain}";
        return address.Length <= MailAddress.MaxLength ? address : null;
    }

    /// <summary>The reverse alias <paramref name="address"/> stands for, or null when it is not one of ours (or was altered).</summary>
    public ReverseAlias? Parse(string? address)
    {
        if (string.IsNullOrEmpty(address) || address.Length > MailAddress.MaxLength)
        {
            return null;
        }

        var text = address.Trim().ToLowerInvariant();
        var at = text.LastIndexOf('@');
        var dot = at - TagLength - 1;
        if (at <= 0 || dot < 4 || text[dot] != '.' || !Base32.IsBase32(text.AsSpan(dot + 1, TagLength)))
        {
            return null;
        }

        var tag = text.AsSpan(dot + 1, TagLength);
        var domain = text[(at + 1)..];
        var rest = text[..dot];
        var eq = rest.LastIndexOf('=');
        if (eq <= 0 || !MailAddress.TryParse("x@" + rest[(eq + 1)..], out var correspondentDomain) || !MailAddress.TryParse("x@" + domain, out _))
        {
            return null;
        }

        var locals = rest[..eq];
        var splits = 0;
        for (var plus = locals.IndexOf('+'); plus >= 0 && splits < MaxSplits; plus = locals.IndexOf('+', plus + 1), splits++)
        {
            if (plus == 0 || plus == locals.Length - 1)
            {
                continue;
            }

            var alias = locals[..plus] + "@" + domain;
            var correspondent = locals[(plus + 1)..] + "@" + correspondentDomain.Domain;
            if (MailAddress.TryParse(alias, out _) && MailAddress.TryParse(correspondent, out _)
                && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Tag(alias, correspondent)), Encoding.ASCII.GetBytes(tag.ToString())))
            {
                return new ReverseAlias(text, alias, correspondent);
            }
        }

        return null;
    }

    private string Tag(string alias, string correspondent)
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(alias + "\n" + correspondent), mac);
        return Base32.Encode(mac, TagLength);
    }
}
