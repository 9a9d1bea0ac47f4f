using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using MailTumble.Core.Rewriting;

namespace MailTumble.Benchmarks;

/// <summary>
/// What the receive stage does per message and target: scan the header block, rewrite it. A 4 KB message
/// and a 20 MB one differ only in their body, so time and allocations should barely differ.
/// </summary>
[MemoryDiagnoser]
public class RewriteBenchmarks
{
    private readonly HeaderRewriter _rewriter = new(new RewriteOptions { FromEmail = "relay@mask.example.com", SubjectPrefix = "[masked] " }, TimeProvider.System);
    private readonly RewriteInput _input = new("x7g2@mask.example.com", "john@real.example.org", "bounce-123@esp.example", "0192f1a2b3c47d8e9f00112233445566", "0192f1a2b3c47d8e9f0011223344aaaa");
    private ReadOnlySequence<byte> _message;

    /// <summary>Total message size in bytes.</summary>
    [Params(4 * 1024, 20 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup() => _message = new ReadOnlySequence<byte>(Message(Size));

    [Benchmark]
    public int ParseAndRewrite()
    {
        var parsed = ParsedMessage.Parse(_message);
        return _rewriter.Rewrite(parsed, _input).Headers.Length;
    }

    /// <summary>A typical marketing message: ~2 KB of headers (Received chain, DKIM, ARC, List-*), the rest body.</summary>
    internal static byte[] Message(int size)
    {
        var head = new StringBuilder();
        for (var i = 0; i < 4; i++)
        {
            head.Append(CultureInvariant($"Received: from relay{i}.esp.example (relay{i}.esp.example [192.0.2.{i}])\r\n\tby mx{i}.example with ESMTPS id ABC{i}DEF\r\n\tfor <x7g2@mask.example.com>; Tue, 24 Nov 2026 08:15:0{i} +0000\r\n"));
        }

        head.Append("Return-Path: <bounce-123@esp.example>\r\n");
        head.Append("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=brand.example; s=s1;\r\n\th=from:to:subject:date:message-id; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n\tb=dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZSBidXQgaXQgaXMgbG9uZyBlbm91Z2ggdG8gbG9vayBsaWtlIG9uZQ==\r\n");
        head.Append("ARC-Seal: i=1; a=rsa-sha256; cv=none; d=google.example; s=arc;\r\n\tb=aGVsbG8gd29ybGQgdGhpcyBpcyBhbiBhcmMgc2VhbA==\r\n");
        head.Append("From: =?utf-8?q?Br=C3=A4nd_News?= <news@brand.example>\r\n");
        head.Append("To: x7g2@mask.example.com\r\n");
        head.Append("Subject: =?utf-8?q?Gro=C3=9Fer_Sale_=E2=80=93_50=25_auf_alles?=\r\n");
        head.Append("Date: Tue, 24 Nov 2026 09:15:02 +0100\r\nMIME-Version: 1.0\r\nMessage-ID: <20261124081502.1234@brand.example>\r\n");
        head.Append("List-Unsubscribe: <https://brand.example/u?id=1>, <mailto:unsub@brand.example>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n");
        head.Append("Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n");
        var headBytes = Encoding.ASCII.GetBytes(head.ToString());
        var message = new byte[Math.Max(size, headBytes.Length + 2)];
        headBytes.CopyTo(message, 0);
        var line = "Sale: fifty percent off everything in the store, today only. Lorem ipsum dolor sit amet.\r\n"u8;
        for (var i = headBytes.Length; i < message.Length; i++)
        {
            message[i] = line[(i - headBytes.Length) % line.Length];
        }

        return message;
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
