using System.Text;

namespace MailTumble.Testing.Replies;

/// <summary>
/// Replies as Gmail, Outlook and Apple Mail write them (headers, MIME structure, quoting), from the alias's owner to
/// the reverse aliases they received. Each quotes the forwarded message differently, and most mention the owner's
/// address somewhere in the text: the quote line, a signature, a mailto link, Outlook's quoted header block.
/// </summary>
public static class ReplySamples
{
    /// <summary>The forwarded message the samples answer (its Message-ID, as the owner's mail program saw it).</summary>
    public const string OriginalId = "m1@brand.example";

    /// <summary>
    /// Gmail: multipart/alternative, both parts quoted-printable; the address is in the signature, in a mailto link and,
    /// in the HTML, split by a soft line break. Message-ID on a subdomain of the owner's domain.
    /// </summary>
    public static string Gmail(string owner, string ownerName, string to, string quotedFrom, string inReplyTo = OriginalId) => Lines($"""
        Return-Path: <{owner}>
        Received: from mail-wr1-f41.google.example (mail-wr1-f41.google.example [198.51.100.41])
        	by mx.mask.example.com with ESMTPS id 4Xz9
        	for <{Bare(to)}>; Sat, 28 Nov 2026 12:05:01 +0000
        DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d={Domain(owner)}; s=20230601; t=1795867500;
        	h=to:subject:message-id:date:from:in-reply-to:references:mime-version; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;
        	b=dGVzdHNpZ25hdHVyZQ==
        X-Gm-Message-State: AOJu0YwEXAMPLEstate
        X-Google-Smtp-Source: AGHT+IGexample
        X-Received: by 2002:a05:6000:1a8d:b0:33b with SMTP id f13mr; Sat, 28 Nov 2026 04:05:00 -0800 (PST)
        MIME-Version: 1.0
        References: <{inReplyTo}>
        In-Reply-To: <{inReplyTo}>
        From: {ownerName} <{owner}>
        Date: Sat, 28 Nov 2026 13:05:00 +0100
        Message-ID: <CAHx8Kb7=Jq3uT4+Zy1a2b3c4d5e6f7g8h9@mail.{Domain(owner)}>
        Subject: Re: your order
        To: {to}
        Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f6"

        --000000000000a1b2c3d4e5f6
        Content-Type: text/plain; charset="UTF-8"
        Content-Transfer-Encoding: quoted-printable

        Thanks, that works for me.

        {ownerName}
        {owner}

        On Sat, Nov 28, 2026 at 12:00=E2=80=AFPM {quotedFrom}
        wrote:

        > Your order has shipped.
        >

        --000000000000a1b2c3d4e5f6
        Content-Type: text/html; charset="UTF-8"
        Content-Transfer-Encoding: quoted-printable

        <div dir=3D"ltr">Thanks, that works for me.<div><br></div><div>{ownerName} &lt=
        ;<a href=3D"mailto:{QpSplit(owner)}">{owner}</a>&gt;</div></div><br><div class=3D"gmail_quote"><div dir=3D"ltr" class=3D"gmail_attr">On Sat, Nov 28, 2026 at =
        12:00=E2=80=AFPM {quotedFrom.Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal)} wrote:<br></div><blockquote class=3D"gmail_quote">=
        Your order has shipped.</blockquote></div>

        --000000000000a1b2c3d4e5f6--
        """);

    /// <summary>
    /// Outlook (Exchange Online): text/plain quoted-printable and text/html base64; the quoted header block names the
    /// owner as recipient. Thread-Index and X-Originating-IP, ARC sets from the owner's provider.
    /// </summary>
    public static string Outlook(string owner, string ownerName, string to, string quotedFrom, string inReplyTo = OriginalId)
    {
        var html = $"<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=us-ascii\"></head><body><div>Great, thanks.</div><hr><div><b>From:</b> {Html(quotedFrom)}<br><b>Sent:</b> 28 November 2026 12:00<br><b>To:</b> {Html(ownerName)} &lt;{owner}&gt;<br><b>Subject:</b> your order</div><div>Your order has shipped.</div></body></html>";
        return Lines($"""
            Received: from EUR05-AM6-obe.outbound.protection.outlook.example (mail-am6eur05on2071.outbound.protection.outlook.example [203.0.113.71])
            	by mx.mask.example.com with ESMTPS id 5Ab1
            	for <{Bare(to)}>; Sat, 28 Nov 2026 12:05:02 +0000
            ARC-Seal: i=1; a=rsa-sha256; s=arcselector9901; d=microsoft.example; cv=none; b=QVJDc2VhbA==
            ARC-Authentication-Results: i=1; mx.microsoft.example 1; spf=pass smtp.mailfrom={Domain(owner)};
            	dmarc=pass action=none header.from={Domain(owner)}; dkim=pass header.d={Domain(owner)}; arc=none
            From: {ownerName} <{owner}>
            To: {to}
            Subject: RE: your order
            Thread-Topic: your order
            Thread-Index: AQHZxyzEXAMPLEthreadindex==
            Date: Sat, 28 Nov 2026 12:05:00 +0000
            Message-ID: <AM0PR01MB1234ABCD5678EF@AM0PR01MB1234.eurprd01.prod.exchangelabs.example>
            References: <{inReplyTo}>
            In-Reply-To: <{inReplyTo}>
            Accept-Language: en-GB, en-US
            Content-Language: en-GB
            X-MS-Has-Attach:
            X-MS-Exchange-Organization-AuthSource: AM0PR01MB1234.eurprd01.prod.exchangelabs.example
            X-Originating-IP: [203.0.113.7]
            Disposition-Notification-To: {ownerName} <{owner}>
            Content-Type: multipart/alternative;
            	boundary="_000_AM0PR01MB1234ABCD5678EF_"
            MIME-Version: 1.0

            --_000_AM0PR01MB1234ABCD5678EF_
            Content-Type: text/plain; charset="us-ascii"
            Content-Transfer-Encoding: quoted-printable

            Great, thanks.

            ________________________________
            From: {quotedFrom}
            Sent: 28 November 2026 12:00
            To: {ownerName} <{owner}>
            Subject: your order

            Your order has shipped.

            --_000_AM0PR01MB1234ABCD5678EF_
            Content-Type: text/html; charset="us-ascii"
            Content-Transfer-Encoding: base64

            {Base64Lines(html)}

            --_000_AM0PR01MB1234ABCD5678EF_--
            """);
    }

    /// <summary>Apple Mail: quoting with "On …, X wrote:" and no mention of the owner's address in the text (the body stays byte for byte).</summary>
    public static string AppleMail(string owner, string ownerName, string to, string? cc, string quotedFrom, string inReplyTo = OriginalId) => Lines($"""
        Content-Type: multipart/alternative;
        	boundary="Apple-Mail=_6A1D7E2C-1111-2222-3333-444455556666"
        Mime-Version: 1.0 (Mac OS X Mail 16.0 \(3774.600.62\))
        Subject: Re: your order
        From: {ownerName} <{owner}>
        In-Reply-To: <{inReplyTo}>
        Date: Sat, 28 Nov 2026 13:05:00 +0100
        {(cc is null ? "X-Universally-Unique-Identifier: 1A2B3C4D" : "Cc: " + cc)}
        Content-Transfer-Encoding: 7bit
        Message-Id: <6A1D7E2C-AAAA-BBBB-CCCC-DDDDEEEEFFFF@{Domain(owner)}>
        References: <{inReplyTo}>
        To: {to}
        X-Mailer: Apple Mail (2.3774.600.62)

        --Apple-Mail=_6A1D7E2C-1111-2222-3333-444455556666
        Content-Transfer-Encoding: 7bit
        Content-Type: text/plain;
        	charset=us-ascii

        Sounds good.

        > On 28 Nov 2026, at 12:00, {quotedFrom} wrote:
        >
        > Your order has shipped.

        --Apple-Mail=_6A1D7E2C-1111-2222-3333-444455556666
        Content-Transfer-Encoding: quoted-printable
        Content-Type: text/html;
        	charset=us-ascii

        <html><head><meta http-equiv=3D"Content-Type" content=3D"text/html; =
        charset=3Dus-ascii"></head><body>Sounds good.<br><blockquote type=3D"cite">=
        Your order has shipped.</blockquote></body></html>
        --Apple-Mail=_6A1D7E2C-1111-2222-3333-444455556666--
        """);

    /// <summary>The address inside an angle-bracketed mailbox, or the text itself.</summary>
    private static string Bare(string mailbox) =>
        mailbox.Contains('<', StringComparison.Ordinal) ? mailbox[(mailbox.IndexOf('<', StringComparison.Ordinal) + 1)..mailbox.IndexOf('>', StringComparison.Ordinal)] : mailbox;

    private static string Domain(string address) => address[(address.LastIndexOf('@') + 1)..];

    /// <summary>The address with a quoted-printable soft line break in the middle of its domain.</summary>
    private static string QpSplit(string address)
    {
        var at = address.LastIndexOf('@');
        return address[..(at + 3)] + "=\r\n" + address[(at + 3)..];
    }

    private static string Html(string text) => text.Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Base64Lines(string text) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(text), Base64FormattingOptions.InsertLineBreaks);

    /// <summary>CRLF line ends throughout, as on the wire.</summary>
    private static string Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
}
