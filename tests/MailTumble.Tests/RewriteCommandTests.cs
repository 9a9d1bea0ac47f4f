using System.Text;

namespace MailTumble.Tests;

public sealed class RewriteCommandTests
{
    private static async Task<(int Exit, byte[] Output, string Error)> RunAsync(string input, params string[] args)
    {
        var stdout = new MemoryStream();
        await using var output = new StreamWriter(stdout, leaveOpen: true);
        await using var error = new StringWriter();
        var exit = await MailTumbleCli.RunAsync(args, output, error, () => new MemoryStream(Encoding.Latin1.GetBytes(input)));
        await output.FlushAsync();
        return (exit, stdout.ToArray(), error.ToString());
    }

    [Fact]
    public async Task Rewrite_prints_the_rewritten_headers_an_empty_line_and_the_body_as_the_relay_would_send_it()
    {
        var (exit, output, error) = await RunAsync(
            "From: Betsy <betsy@brand.example>\nSubject: Hello\nDKIM-Signature: v=1;\n b=x\n\nbody caf\u00e9\nFrom: not a header\n",
            "rewrite", "--alias", "x7g2@mask.example.com", "--to", "john@real.example.org", "--from-email", "relay@mask.example.com", "--subject-prefix", "[masked] ");

        Assert.True(exit == 0, error);
        var text = Encoding.Latin1.GetString(output);
        Assert.StartsWith("Received: by mask.example.com (MailTumble) id ", text, StringComparison.Ordinal);
        Assert.Contains("\r\nFrom: Betsy <relay@mask.example.com>\r\nSubject: [masked] Hello\r\nReply-To: Betsy <x7g2+betsy=brand.example.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("DKIM", text, StringComparison.Ordinal);
        // Input from a pipe is read as the receive command reads it (LF becomes CRLF), so the body is what the relay would store.
        Assert.EndsWith(">\r\n\r\nbody caf\u00e9\r\nFrom: not a header\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_from_format_is_refused_naming_the_setting()
    {
        var (exit, _, error) = await RunAsync("From: a@b.example\n\nx\n", "rewrite", "--alias", "x7g2@mask.example.com", "--to", "john@real.example.org", "--from-format", "fancy");
        Assert.Equal(78, exit);
        Assert.Contains("MailTumble:Rewrite:FromFormat must be name, name-and-address, address or none", error, StringComparison.Ordinal);
    }
}
