using System.Text;

namespace MailTumble.Core.Rewriting;

/// <summary>Classifies a raw field name without decoding it (names are case-insensitive ASCII).</summary>
internal static class HeaderNames
{
    public const string LoopHeader = "X-MailTumble-Loop";

    public const string TagHeader = "X-MailTumble-Tag";

    private static readonly (byte[] Name, HeaderKind Kind)[] Known =
    [
        ("From"u8.ToArray(), HeaderKind.From),
        ("To"u8.ToArray(), HeaderKind.To),
        ("Subject"u8.ToArray(), HeaderKind.Subject),
        ("Message-ID"u8.ToArray(), HeaderKind.MessageId),
        ("Reply-To"u8.ToArray(), HeaderKind.ReplyTo),
        ("Cc"u8.ToArray(), HeaderKind.Cc),
        ("In-Reply-To"u8.ToArray(), HeaderKind.InReplyTo),
        ("References"u8.ToArray(), HeaderKind.References),
        ("Sender"u8.ToArray(), HeaderKind.Sender),
        ("Return-Path"u8.ToArray(), HeaderKind.ReturnPath),
        ("DKIM-Signature"u8.ToArray(), HeaderKind.DkimSignature),
        ("Delivered-To"u8.ToArray(), HeaderKind.DeliveredTo),
        ("X-Original-To"u8.ToArray(), HeaderKind.XOriginalTo),
        (Encoding.ASCII.GetBytes(LoopHeader), HeaderKind.Loop),
        (Encoding.ASCII.GetBytes(TagHeader), HeaderKind.Tag),
    ];

    public static HeaderKind Classify(ReadOnlySpan<byte> name)
    {
        foreach (var (known, kind) in Known)
        {
            if (known.Length == name.Length && Ascii.EqualsIgnoreCase(known, name))
            {
                return kind;
            }
        }

        return HeaderKind.Other;
    }
}
