namespace MailTumble.Testing.Feedback;

/// <summary>Bounce and complaint reports as MTAs and mailbox providers send them.</summary>
public static class MailReportSamples
{
    /// <summary>An RFC 3464 DSN for one failed recipient, returning the original headers.</summary>
    public static string Dsn(string bounceAddress, string recipient, string status, string messageId, string action = "failed") => $"""
        Return-Path: <>
        Received: from mx.real.example.org (mx.real.example.org [127.0.0.9])
        	by relay.test; Sat, 28 Nov 2026 04:00:03 +0000
        From: MAILER-DAEMON@mx.real.example.org (Mail Delivery System)
        To: {bounceAddress}
        Subject: Undelivered Mail Returned to Sender
        Message-ID: <{messageId}>
        Date: Sat, 28 Nov 2026 04:00:03 +0000
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status;
        	boundary="B1"

        --B1
        Content-Description: Notification
        Content-Type: text/plain; charset=us-ascii

        I'm sorry to have to inform you that your message could not
        be delivered to one or more recipients.

        <{recipient}>: host mx.real.example.org said: {status} nope

        --B1
        Content-Description: Delivery report
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.real.example.org
        X-Postfix-Queue-ID: 4Fb2Kx0abc
        Arrival-Date: Sat, 28 Nov 2026 04:00:02 +0000

        Final-Recipient: rfc822; {recipient}
        Original-Recipient: rfc822;{recipient}
        Action: {action}
        Status: {status}
        Remote-MTA: dns; mx.real.example.org
        Diagnostic-Code: smtp; {(status.StartsWith('5') ? "550" : "452")} {status} mailbox problem

        --B1
        Content-Description: Undelivered Message Headers
        Content-Type: text/rfc822-headers

        Return-Path: <{bounceAddress}>
        From: Shop via x7g2 <x7g2@mask.example.com>
        To: x7g2@mask.example.com
        Subject: Sale

        --B1--
        """.ReplaceLineEndings("\r\n");

    /// <summary>An RFC 5965 ARF abuse report about a message we sent.</summary>
    public static string Arf(string bounceAddress, string recipient, string messageId) => $"""
        From: <fbl@isp.example.net>
        To: <fbl@mask.example.com>
        Subject: FW: Sale
        Message-ID: <{messageId}>
        Date: Sat, 28 Nov 2026 05:00:00 +0000
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report;
        	boundary="part1_13d.2e68ed54_boundary"

        --part1_13d.2e68ed54_boundary
        Content-Type: text/plain; charset="US-ASCII"
        Content-Transfer-Encoding: 7bit

        This is an email abuse report for an email message received from IP
        127.0.3.0 on Sat, 28 Nov 2026 04:59:00 +0000.

        --part1_13d.2e68ed54_boundary
        Content-Type: message/feedback-report

        Feedback-Type: abuse
        User-Agent: SomeGenerator/1.0
        Version: 1
        Original-Mail-From: <{bounceAddress}>
        Original-Rcpt-To: <{recipient}>
        Arrival-Date: Sat, 28 Nov 2026 04:59:00 +0000
        Source-IP: 127.0.3.0

        --part1_13d.2e68ed54_boundary
        Content-Type: message/rfc822
        Content-Disposition: inline

        Return-Path: <{bounceAddress}>
        From: Shop via x7g2 <x7g2@mask.example.com>
        To: <{recipient}>
        Subject: Sale
        Message-ID: <abc@shop.example>

        Buy now.

        --part1_13d.2e68ed54_boundary--
        """.ReplaceLineEndings("\r\n");

    /// <summary>A bounce in no standard format, as some old MTAs still send.</summary>
    public static string Plain(string bounceAddress, string recipient, string reason, string messageId) => $"""
        From: postmaster@old.example.net
        To: {bounceAddress}
        Subject: failure notice
        Message-ID: <{messageId}>

        Hi. This is the qmail-send program at old.example.net.
        I'm afraid I wasn't able to deliver your message to the following addresses.

        <{recipient}>:
        {reason}

        """.ReplaceLineEndings("\r\n");

    /// <summary>
    /// Exim's free-text bounce ("Mail delivery failed: returning message to sender"), saved from the mailbox it was
    /// redirected to: addressed to the operator, our bounce address only in the returned copy's Received line.
    /// </summary>
    public static string Exim(string bounceAddress, string recipient, string messageId) => $"""
        Return-path: <>
        Envelope-to: postmaster@mask.example.com
        Delivery-date: Sat, 28 Nov 2026 04:10:11 +0000
        Received: from mail by mx.exim.example with local (Exim 4.97)
        	id 1tGq2b-000Abc-Ke
        	for postmaster@mask.example.com; Sat, 28 Nov 2026 04:10:11 +0000
        X-Failed-Recipients: {recipient}
        Auto-Submitted: auto-replied
        From: Mail Delivery System <Mailer-Daemon@mx.exim.example>
        To: postmaster@mask.example.com
        Content-Type: text/plain; charset=us-ascii
        Subject: Mail delivery failed: returning message to sender
        Message-Id: <{messageId}>
        Date: Sat, 28 Nov 2026 04:10:11 +0000

        This message was created automatically by mail delivery software.

        A message that you sent could not be delivered to one or more of its
        recipients. This is a permanent error. The following address(es) failed:

          {recipient}
            host mx.real.example.org [192.0.2.25]
            SMTP error from remote mail server after RCPT TO:<{recipient}>:
            550 5.1.1 <{recipient}>: Recipient address rejected: User unknown in virtual mailbox table

        ------ This is a copy of the message, including all the headers. ------

        Return-path: <{bounceAddress}>
        Received: from relay.mask.example.com ([198.51.100.7])
        	by mx.exim.example with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384
        	(Exim 4.97)
        	(envelope-from <{bounceAddress}>)
        	id 1tGq2a-000Aba-Ia
        	for {recipient}; Sat, 28 Nov 2026 04:10:10 +0000
        From: "Shop" <x7g2@mask.example.com>
        To: x7g2@mask.example.com
        Subject: Sale
        Message-ID: <m1@brand.example>

        Hello
        """.ReplaceLineEndings("\r\n");

    /// <summary>Yahoo's "Failure Notice": plain text, the returned message quoted below a line.</summary>
    public static string Yahoo(string bounceAddress, string recipient, string messageId) => $"""
        From: MAILER-DAEMON@yahoo.com
        To: postmaster@mask.example.com
        Subject: Failure Notice
        Message-ID: <{messageId}>
        Date: Sat, 28 Nov 2026 04:11:00 +0000
        Content-Type: text/plain; charset=us-ascii

        Sorry, we were unable to deliver your message to the following address.

        <{recipient}>:
        554: delivery error: dd This user doesn't have a yahoo.com account ({recipient}) [0] - mta1234.mail.gq1.yahoo.com

        --- Below this line is a copy of the message.

        Return-Path: <{bounceAddress}>
        Received: from 198.51.100.7 (EHLO relay.mask.example.com)
          by mta1234.mail.gq1.yahoo.com with SMTP; Sat, 28 Nov 2026 04:10:59 +0000
        From: "Shop" <x7g2@mask.example.com>
        To: x7g2@mask.example.com
        Subject: Sale

        Hello
        """.ReplaceLineEndings("\r\n");

    /// <summary>Gmail's free-text "Delivery Status Notification (Failure)", with the original message's headers inline.</summary>
    public static string Gmail(string bounceAddress, string recipient, string messageId) => $"""
        From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
        To: postmaster@mask.example.com
        Subject: Delivery Status Notification (Failure)
        Message-ID: <{messageId}>
        Date: Sat, 28 Nov 2026 04:12:00 -0800
        Content-Type: text/plain; charset=UTF-8

        ** Address not found **

        Your message wasn't delivered to {recipient} because the address couldn't be found, or is unable to receive mail.

        The response from the remote server was:
        550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces.

        ----- Original message -----

        Return-Path: <{bounceAddress}>
        Received: from relay.mask.example.com (relay.mask.example.com. [198.51.100.7])
                by mx.google.com with ESMTPS id a1si2b3c4d5e6f.12.2026.11.28.04.11.59
                for <{recipient}>;
                Sat, 28 Nov 2026 04:11:59 -0800 (PST)
        From: "Shop" <x7g2@mask.example.com>
        Subject: Sale
        """.ReplaceLineEndings("\r\n");

    /// <summary>Office 365's "Undeliverable:" NDR as multipart/mixed: text, HTML and the returned message attached.</summary>
    public static string Office365(string bounceAddress, string recipient, string messageId) => $"""
        From: Microsoft Outlook <postmaster@outlook.com>
        To: postmaster@mask.example.com
        Subject: Undeliverable: Sale
        Message-ID: <{messageId}>
        Date: Sat, 28 Nov 2026 04:13:00 +0000
        MIME-Version: 1.0
        Content-Type: multipart/mixed; boundary="NDR"
        X-MS-Exchange-Message-Is-Ndr:

        --NDR
        Content-Type: text/plain; charset=us-ascii

        Your message to {recipient} couldn't be delivered.
        {recipient} wasn't found at real.example.org.

        Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'

        --NDR
        Content-Type: text/html; charset=us-ascii

        <html><body><p>Your message to {recipient} couldn't be delivered.</p></body></html>

        --NDR
        Content-Type: message/rfc822

        Return-Path: <{bounceAddress}>
        Received: from relay.mask.example.com (198.51.100.7) by DM6NAM12FT012.mail.protection.outlook.com
         (10.13.178.77) with Microsoft SMTP Server id 15.20.8182.16; Sat, 28 Nov 2026 04:12:59 +0000
        From: "Shop" <x7g2@mask.example.com>
        To: x7g2@mask.example.com
        Subject: Sale

        Hello

        --NDR--
        """.ReplaceLineEndings("\r\n");

    /// <summary>An RFC 6591 ARF auth-failure report (a DMARC failure report), which is no complaint.</summary>
    public static string ArfAuthFailure(string bounceAddress, string messageId) => $"""
        From: dmarc-reports@isp.example.net
        To: postmaster@mask.example.com
        Subject: FW: Sale
        Message-ID: <{messageId}>
        Date: Sat, 28 Nov 2026 04:14:00 +0000
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=feedback-report; boundary="AF"

        --AF
        Content-Type: text/plain; charset=us-ascii

        This is an authentication failure report for an email message received from IP 198.51.100.7.

        --AF
        Content-Type: message/feedback-report

        Feedback-Type: auth-failure
        User-Agent: isp-dmarc/1.0
        Version: 1
        Original-Mail-From: <{bounceAddress}>
        Auth-Failure: dmarc
        Authentication-Results: mx.isp.example.net; dmarc=fail header.from=mask.example.com
        Source-IP: 198.51.100.7

        --AF
        Content-Type: text/rfc822-headers

        Return-Path: <{bounceAddress}>
        From: "Shop" <x7g2@mask.example.com>
        Subject: Sale

        --AF--
        """.ReplaceLineEndings("\r\n");
}
