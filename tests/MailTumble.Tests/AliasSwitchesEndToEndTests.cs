using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MailTumble.Core.Replies;
using MailTumble.Testing;
using MailTumble.Testing.Replies;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;

namespace MailTumble.Tests;

/// <summary>
/// Per-alias switches over real SMTP and real HTTP on loopback, on the embedded (SQLite) directory: a disabled alias is
/// refused at RCPT while another still delivers, enabling it restores it (reverse aliases included), and replies go out
/// From the alias's display name; the note never reaches mail.
/// </summary>
public sealed class AliasSwitchesEndToEndTests
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Owner = "john@real.example.org";
    private const string Control = "ctrl@mask.example.com";

    [Fact]
    public async Task A_disabled_alias_is_refused_at_rcpt_while_a_control_alias_delivers_and_enabling_it_restores_it()
    {
        await using var relay = await RelayFixture.StartAsync();
        await relay.AddAliasAsync(Alias, Owner);
        await relay.AddAliasAsync(Control, "control@real.example.org");
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        var reverse = relay.Services.GetRequiredService<TwoWayMasking>().Aliases.Create(Alias, "shop@brand.example")!;

        var off = await PatchAsync(http, Alias, new { disabled = true, reason = "test" });
        Assert.Equal(("disabled", true, Owner), (off.GetProperty("status").GetString(), off.GetProperty("disabled").GetBoolean(), off.GetProperty("email").GetString()));

        // One transaction to both: the disabled alias is refused at RCPT, the control gets the message.
        var both = await RelaySmtp.TransactAsync(relay.SmtpPort, "shop@brand.example", [Alias, Control], "Subject: while off\r\n\r\nbody\r\n");
        Assert.Equal("550 5.2.1 <x7g2@mask.example.com>: Recipient address rejected: this address is disabled", both.Recipients[0]);
        Assert.StartsWith("250", both.Recipients[1]);
        Assert.StartsWith("250", both.Data);

        // The owner's reply through a reverse alias is refused too; the reverse alias itself is kept (below).
        var reply = await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [reverse], ReplySamples.AppleMail(Owner, "John", reverse, null, $"Shop <{Alias}>"));
        Assert.StartsWith("550 5.2.1", Assert.Single(reply.Recipients));
        await relay.WaitForIdleAsync();
        var whileOff = Assert.Single(relay.Sink.Messages);
        Assert.Equal(["control@real.example.org"], whileOff.To);

        var on = await PatchAsync(http, Alias, new { disabled = false });
        Assert.Equal(("active", false), (on.GetProperty("status").GetString(), on.GetProperty("disabled").GetBoolean()));
        await RelaySmtp.SendAsync(relay, "after enable", Alias);
        var replied = await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [reverse], ReplySamples.AppleMail(Owner, "John", reverse, null, $"Shop <{Alias}>"));
        Assert.StartsWith("250", replied.Data);
        var all = await relay.Sink.WaitForAsync(3, TimeSpan.FromSeconds(20));
        Assert.Equal([Owner], Assert.Single(all, m => m.Header("Subject") == "after enable").To);
        Assert.Single(all, m => m.To.SequenceEqual(["shop@brand.example"]));

        using var missing = await http.PatchAsJsonAsync(new Uri("/aliases/nobody@mask.example.com", UriKind.Relative), new { disabled = true });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task A_reply_goes_out_from_the_alias_display_name_and_the_note_never_reaches_mail()
    {
        await using var relay = await RelayFixture.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        using var put = await http.PutAsJsonAsync(new Uri("/aliases/" + Alias, UriKind.Relative), new { email = Owner, display_name = "Shop John", note = "NOTE-7f3k for the bike shop" });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var json = JsonDocument.Parse(await http.GetStringAsync(new Uri("/aliases/" + Alias, UriKind.Relative))).RootElement;
        Assert.Equal(("Shop John", "NOTE-7f3k for the bike shop"), (json.GetProperty("display_name").GetString(), json.GetProperty("note").GetString()));
        var reverse = relay.Services.GetRequiredService<TwoWayMasking>().Aliases.Create(Alias, "shop@brand.example")!;

        await RelaySmtp.SendAsync(relay, "forwarded", Alias);
        Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [reverse], ReplySamples.Gmail(Owner, "John Smith", reverse, $"Shop <{Alias}>"))).Data);
        var first = await relay.Sink.WaitForAsync(2, TimeSpan.FromSeconds(20));
        var named = Assert.Single(first, m => m.To.SequenceEqual(["shop@brand.example"]));
        Assert.Contains("\r\nFrom: Shop John <x7g2@mask.example.com>\r\n", named.Text, StringComparison.Ordinal);
        // The owner's own display name is not in the header (their signature in the body is theirs to write).
        Assert.DoesNotContain("John Smith", named.Text[..named.Text.IndexOf("\r\n\r\n", StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.All(first, m => Assert.DoesNotContain("NOTE-7f3k", m.Text, StringComparison.Ordinal));

        // A name that is not plain ASCII is encoded; a cleared one leaves the bare address.
        await PatchAsync(http, Alias, new { display_name = "Zoë \"the shop\" O'Brien" });
        Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [reverse], ReplySamples.AppleMail(Owner, "John", reverse, null, $"Shop <{Alias}>"))).Data);
        var encoded = MimeMessage.Load(new MemoryStream((await relay.Sink.WaitForAsync(3, TimeSpan.FromSeconds(20)))[2].Data));
        var from = Assert.Single(encoded.From.Mailboxes);
        Assert.Equal(("Zoë \"the shop\" O'Brien", Alias), (from.Name, from.Address));

        var cleared = await PatchAsync(http, Alias, new { display_name = string.Empty });
        Assert.False(cleared.TryGetProperty("display_name", out _));
        Assert.Equal("NOTE-7f3k for the bike shop", cleared.GetProperty("note").GetString());
        Assert.StartsWith("250", (await RelaySmtp.TransactAsync(relay.SmtpPort, Owner, [reverse], ReplySamples.AppleMail(Owner, "John", reverse, null, $"Shop <{Alias}>"))).Data);
        var bare = (await relay.Sink.WaitForAsync(4, TimeSpan.FromSeconds(20)))[3];
        Assert.Contains("\r\nFrom: x7g2@mask.example.com\r\n", bare.Text, StringComparison.Ordinal);

        using var injected = await http.PatchAsJsonAsync(new Uri("/aliases/" + Alias, UriKind.Relative), new { display_name = "Evil\r\nBcc: x@evil.example" });
        Assert.Equal(HttpStatusCode.BadRequest, injected.StatusCode);
    }

    private static async Task<JsonElement> PatchAsync(HttpClient http, string alias, object body)
    {
        using var response = await http.PatchAsJsonAsync(new Uri("/aliases/" + alias, UriKind.Relative), body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"PATCH /aliases/{alias}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
