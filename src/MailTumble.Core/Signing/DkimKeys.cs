using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using MailTumble.Core.Storage;

namespace MailTumble.Core.Signing;

/// <summary>
/// The key files of DKIM signing: <c>{KeyDirectory}/{selector}/{domain}.pem</c>, an RSA private key in PEM (PKCS#1),
/// and the DNS TXT record that publishes its public half.
/// </summary>
public static partial class DkimKeys
{
    /// <summary>Where the key for <paramref name="domain"/> under <paramref name="selector"/> is kept.</summary>
    public static string PathOf(string keyDirectory, string selector, string domain) =>
        Path.Combine(keyDirectory, selector, domain.ToLowerInvariant() + ".pem");

    /// <summary>Whether <paramref name="selector"/> is usable as a DNS label sequence (letters, digits, '-', dots between).</summary>
    public static bool IsValidSelector(string selector) => Label().IsMatch(selector);

    /// <summary>Whether <paramref name="domain"/> is a plain DNS domain name with at least one dot.</summary>
    public static bool IsValidDomain(string domain) => domain.Contains('.', StringComparison.Ordinal) && Label().IsMatch(domain);

    /// <summary>The domains with a key under the selector's folder, each with its file; empty when the folder is missing.</summary>
    public static IReadOnlyList<(string Domain, string File)> List(IKeyFiles files, string keyDirectory, string selector) =>
        files.List(Path.Combine(keyDirectory, selector), ".pem")
            .Select(f => (Domain: Path.GetFileNameWithoutExtension(f).ToLowerInvariant(), File: f))
            .OrderBy(k => k.Domain, StringComparer.Ordinal)
            .ToList();

    /// <summary>A key file's bytes; throws <see cref="FileNotFoundException"/> when it is gone (as opening it would).</summary>
    public static byte[] Read(IKeyFiles files, string file) =>
        files.Read(file) ?? throw new FileNotFoundException($"Could not find file '{file}'.", file);

    /// <summary>A new RSA key: the private key's PEM (PKCS#1) and the public key's DER (SubjectPublicKeyInfo).</summary>
    public static (string PrivatePem, byte[] PublicKey) Generate(int bits)
    {
        using var rsa = RSA.Create(bits);
        return (rsa.ExportRSAPrivateKeyPem(), rsa.ExportSubjectPublicKeyInfo());
    }

    /// <summary>The public key of a private key's PEM (PKCS#1 or PKCS#8), as SubjectPublicKeyInfo DER.</summary>
    public static byte[] PublicKeyOf(string privatePem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privatePem);
        return rsa.ExportSubjectPublicKeyInfo();
    }

    /// <summary>The TXT record's value: <c>v=DKIM1; k=rsa; p=…</c>.</summary>
    public static string RecordValue(byte[] publicKey) => "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(publicKey);

    /// <summary>
    /// The record as a zone-file line: <c>{selector}._domainkey.{domain}. IN TXT "…" "…"</c>, the value cut into strings
    /// of at most 255 characters (a TXT string's limit; resolvers join them).
    /// </summary>
    public static string ZoneLine(string selector, string domain, byte[] publicKey)
    {
        var value = RecordValue(publicKey);
        var line = new StringBuilder($"{selector}._domainkey.{domain.ToLowerInvariant()}. IN TXT");
        for (var i = 0; i < value.Length; i += 255)
        {
            line.Append(" \"").Append(value.AsSpan(i, Math.Min(255, value.Length - i))).Append('"');
        }

        return line.ToString();
    }

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")]
    private static partial Regex Label();
}
