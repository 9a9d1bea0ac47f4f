using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace MailTumble.Core.Replies;

/// <summary>
/// Field values rewritten for two-way masking, in both directions: address lists (correspondents to reverse aliases
/// and back) and Message-ID lists (sealed and opened). Each returns null when nothing changes, so the caller keeps the
/// field byte for byte.
/// </summary>
internal static class MaskedFields
{
    private static readonly FormatOptions Format = CreateFormat();

    /// <summary>
    /// Forwarded mail: every mailbox in the list but the alias itself and the target becomes the reverse alias of
    /// (alias, mailbox), so "reply" and "reply all" come back through MailTumble. Display names are kept; a mailbox
    /// without one is named after its address ("shop at brand.example").
    /// </summary>
    public static string? WrapForOwner(ReadOnlySpan<byte> value, string alias, string target, ReverseAliases reverse, out bool unreadable)
    {
        unreadable = false;
        if (!TryParse(value, out var list))
        {
            unreadable = true;
            return null;
        }

        return Map(list, m => Wrap(m, alias, target, reverse)) ? Serialize(list) : null;
    }

    /// <summary>The reverse aliases of <paramref name="mailboxes"/> as a field value (for a Reply-To made from From).</summary>
    public static string? WrapForOwner(IEnumerable<MailboxAddress> mailboxes, string alias, string target, ReverseAliases reverse)
    {
        var list = new InternetAddressList(mailboxes.Select(m => (InternetAddress)(Wrap(m, alias, target, reverse) ?? m)));
        return list.Count == 0 ? null : Serialize(list);
    }

    /// <summary>
    /// A reply: the alias's reverse aliases become the correspondents' real addresses and the target becomes the alias;
    /// everything else is kept.
    /// </summary>
    public static string? UnwrapForCorrespondent(ReadOnlySpan<byte> value, string alias, string target, ReverseAliases reverse)
    {
        if (!TryParse(value, out var list))
        {
            return null;
        }

        return Map(list, m =>
        {
            if (string.Equals(m.Address, target, StringComparison.OrdinalIgnoreCase))
            {
                return new MailboxAddress(string.Empty, alias);
            }

            return reverse.Parse(m.Address) is { } r && string.Equals(r.Alias, alias, StringComparison.Ordinal)
                ? new MailboxAddress(m.Name, r.Correspondent)
                : null;
        }) ? Serialize(list) : null;
    }

    /// <summary>Forwarded mail: sealed ids in In-Reply-To / References that were sealed for this alias open to the owner's own ids.</summary>
    public static string? OpenForOwner(ReadOnlySpan<byte> value, string alias, MessageIdCodec ids) =>
        MapIds(value, id => ids.Open(id, alias));

    /// <summary>
    /// A reply: ids that name the owner's mail system (they contain the target's address, or their domain is the
    /// target's domain or below it) are sealed; the correspondents' own ids stay, so their threads hold together.
    /// </summary>
    public static string? SealForCorrespondent(ReadOnlySpan<byte> value, string alias, string target, MessageIdCodec ids) =>
        MapIds(value, id => IsOwners(id, target) ? ids.Seal(id, alias) : null);

    /// <summary>Whether a Message-ID (without angle brackets) gives away the owner's address or mail domain.</summary>
    public static bool IsOwners(string id, string target)
    {
        if (id.Contains(target, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var domain = target[(target.LastIndexOf('@') + 1)..];
        var idDomain = id[(id.LastIndexOf('@') + 1)..];
        return string.Equals(idDomain, domain, StringComparison.OrdinalIgnoreCase)
            || idDomain.EndsWith("." + domain, StringComparison.OrdinalIgnoreCase);
    }

    private static string? MapIds(ReadOnlySpan<byte> value, Func<string, string?> map)
    {
        var bytes = value.ToArray();
        var list = MimeUtils.EnumerateReferences(bytes, 0, bytes.Length).ToList();
        var changed = false;
        for (var i = 0; i < list.Count; i++)
        {
            if (map(list[i]) is { } mapped)
            {
                list[i] = mapped;
                changed = true;
            }
        }

        return changed ? string.Join(' ', list.Select(id => "<" + id + ">")) : null;
    }

    private static MailboxAddress? Wrap(MailboxAddress mailbox, string alias, string target, ReverseAliases reverse)
    {
        var address = mailbox.Address ?? string.Empty;
        if (string.Equals(address, alias, StringComparison.OrdinalIgnoreCase) || string.Equals(address, target, StringComparison.OrdinalIgnoreCase)
            || reverse.Create(alias, address) is not { } wrapped)
        {
            return null;
        }

        var name = string.IsNullOrWhiteSpace(mailbox.Name) ? address.ToLowerInvariant().Replace("@", " at ", StringComparison.Ordinal) : mailbox.Name;
        return new MailboxAddress(name, wrapped);
    }

    /// <summary>Replaces mailboxes (groups included) where <paramref name="map"/> gives a new one; true when any changed.</summary>
    private static bool Map(InternetAddressList list, Func<MailboxAddress, MailboxAddress?> map)
    {
        var changed = false;
        for (var i = 0; i < list.Count; i++)
        {
            switch (list[i])
            {
                case MailboxAddress mailbox when map(mailbox) is { } replaced:
                    list[i] = replaced;
                    changed = true;
                    break;
                case GroupAddress group:
                    changed |= Map(group.Members, map);
                    break;
            }
        }

        return changed;
    }

    private static bool TryParse(ReadOnlySpan<byte> value, out InternetAddressList list)
    {
        var bytes = value.ToArray();
        if (InternetAddressList.TryParse(ParserOptions.Default, bytes, 0, bytes.Length, out var parsed))
        {
            list = parsed;
            return true;
        }

        list = [];
        return false;
    }

    private static string Serialize(InternetAddressList list) => list.ToString(Format, true);

    private static FormatOptions CreateFormat()
    {
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        return format;
    }

    /// <summary>UTF-8 bytes of a serialized value, ready for <c>HeaderOutput.WriteLines</c>.</summary>
    public static byte[] Bytes(string value) => Encoding.UTF8.GetBytes(value);
}
