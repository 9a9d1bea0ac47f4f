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
}
