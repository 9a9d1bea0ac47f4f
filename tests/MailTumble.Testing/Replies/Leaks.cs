using System.Text;
using MimeKit;

namespace MailTumble.Testing.Replies;

/// <summary>Looks for an address anywhere in a message: raw bytes, decoded header values (encoded words), decoded parts (base64, quoted-printable).</summary>
public static class Leaks
{
    /// <summary>Where <paramref name="address"/> appears (case-insensitive); empty when nowhere.</summary>
    public static IReadOnlyList<string> Find(byte[] message, string address)
    {
        var found = new List<string>();
        if (Encoding.Latin1.GetString(message).Contains(address, StringComparison.OrdinalIgnoreCase))
        {
            found.Add("raw bytes");
        }

        using var stream = new MemoryStream(message, writable: false);
        using var parsed = MimeMessage.Load(stream);
        foreach (var header in parsed.Headers)
        {
            if (header.Value.Contains(address, StringComparison.OrdinalIgnoreCase))
            {
                found.Add("header " + header.Field);
            }
        }

        foreach (var entity in parsed.BodyParts)
        {
            foreach (var header in entity.Headers)
            {
                if (header.Value.Contains(address, StringComparison.OrdinalIgnoreCase))
                {
                    found.Add("part header " + header.Field);
                }
            }

            var content = entity switch
            {
                TextPart text => text.Text,
                MimePart part when part.Content is not null => Decoded(part),
                _ => string.Empty,
            };
            if (content.Contains(address, StringComparison.OrdinalIgnoreCase) || content.Replace("=\r\n", string.Empty, StringComparison.Ordinal).Contains(address, StringComparison.OrdinalIgnoreCase))
            {
                found.Add("part " + entity.ContentType.MimeType);
            }
        }

        return found;
    }

    private static string Decoded(MimePart part)
    {
        using var buffer = new MemoryStream();
        part.Content!.DecodeTo(buffer);
        return Encoding.Latin1.GetString(buffer.ToArray());
    }
}
