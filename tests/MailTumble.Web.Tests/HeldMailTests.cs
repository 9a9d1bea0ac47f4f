using MailTumble.Core.Moderation;
using MailTumble.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MailTumble.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed class HeldMailTests(BrowserFixture browser)
{
    private const string Held = "shop@mask.example.com";
    private const string Control = "control@mask.example.com";

    [Fact]
    public async Task An_alias_held_in_the_page_holds_mail_and_only_the_message_approved_in_the_page_reaches_the_provider()
    {
        await using var console = await ConsoleRelay.StartAsync(browser);
        var relay = console.Relay;
        await relay.AddAliasAsync(Held, "john@real.example.org");
        await relay.AddAliasAsync(Control, "john@real.example.org");
        await console.SignInAsync();
        var page = console.Page;

        // Hold the alias from the aliases page.
        await page.GotoAsync("/console/aliases");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Hold {Held}" }).ClickAsync();
        await page.GetByText($"{Held} is held").WaitForAsync();
        await Expect(page.Locator($"tr[data-alias='{Held}'] .status")).ToHaveTextAsync("held");

        // The held-mail page is open when the mail arrives: its rows appear without a reload.
        await page.GotoAsync("/console/held");
        await page.GetByText("Nothing held").WaitForAsync();
        await Smtp.SendTextAsync(relay.SmtpPort, "friend@brand.example", "please approve me", Held);
        await Smtp.SendTextAsync(relay.SmtpPort, "spammer@junk.example", "please reject me", Held);
        await page.GetByRole(AriaRole.Link, new() { Name = "please approve me" }).WaitForAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "please reject me" }).WaitForAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "held-mail.png"), FullPage = true });
        await Axe.AssertNoSeriousViolationsAsync(page);

        // Filters narrow the list.
        await page.GetByLabel("Sender", new() { Exact = true }).FillAsync("@junk.example");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(page.Locator("#held-rows tr")).ToHaveCountAsync(1);
        await page.GotoAsync("/console/held");

        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select message from friend@brand.example: please approve me" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve selected" }).ClickAsync();
        await page.GetByText("Approved 1 message.").WaitForAsync();

        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Select message from spammer@junk.example: please reject me" }).CheckAsync();
        await page.GetByRole(AriaRole.Checkbox, new() { Name = "and block their senders (for that alias)" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Reject selected" }).ClickAsync();
        await page.GetByText("Rejected 1 message; 1 sender rule set to block.").WaitForAsync();
        await page.GetByText("Nothing held").WaitForAsync();

        // The approved message arrives. A control message sent after both decisions arrives too, and the queue is
        // then empty: the rejected one was never queued, so it cannot arrive later.
        await sink(relay).WaitForAsync(1, TimeSpan.FromSeconds(20));
        await Smtp.SendTextAsync(relay.SmtpPort, "friend@brand.example", "control after the decisions", Control);
        await sink(relay).WaitForAsync(2, TimeSpan.FromSeconds(20));
        await relay.WaitForIdleAsync();
        var subjects = sink(relay).Messages.Select(m => m.Header("Subject")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["control after the decisions", "please approve me"], subjects);

        var decided = await relay.Services.GetRequiredService<IHeldStore>().ListAsync(new HeldQuery(IncludeDecided: true), default);
        Assert.Equal([("please approve me", HeldState.Approved, "console"), ("please reject me", HeldState.Rejected, "console")],
            decided.Select(h => (h.Subject, h.State, h.Decision!.By)).OrderBy(x => x.Subject, StringComparer.Ordinal));
        var rules = await relay.Services.GetRequiredService<ISenderRuleStore>().ListAsync(Held, default);
        Assert.Contains(rules, r => r.Pattern == "spammer@junk.example" && r.Action == SenderRuleAction.Block && r.Alias == Held);

        static TestSmtpSink sink(MailTumble.Tests.RelayFixture relay) => relay.Sink;
    }

    [Fact]
    public async Task A_held_message_whose_html_carries_a_script_is_shown_as_text_and_the_script_never_runs()
    {
        await using var console = await ConsoleRelay.StartAsync(browser);
        var relay = console.Relay;
        await relay.AddAliasAsync(Held, "john@real.example.org");
        await AliasStatusAsync(relay, Held);
        await Smtp.SendAsync(relay.SmtpPort, "evil@junk.example", [Held], """
            From: <evil@junk.example>
            To: shop@mask.example.com
            Subject: an html trap
            MIME-Version: 1.0
            Content-Type: text/html; charset=utf-8

            <html><body><script>window.__mtPwned = 'script';</script><img src="x" onerror="window.__mtPwned = 'onerror'"><p>Hello</p></body></html>
            """);
        var held = await Eventually.ValueAsync(
            () => relay.Services.GetRequiredService<IHeldStore>().ListAsync(HeldQuery.All, default),
            list => list.Count == 1, "the message is held");

        await console.SignInAsync();
        var page = console.Page;
        var errors = new List<string>();
        page.Console += (_, message) => errors.Add(message.Text);
        await page.GotoAsync($"/console/held/{held[0].Id}");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Held message" }).WaitForAsync();

        // The markup is on the page as text, and no element of it exists.
        await Expect(page.Locator("#text")).ToContainTextAsync("<script>window.__mtPwned = 'script';</script>");
        Assert.Equal(0, await page.Locator("#text script, #text img, main img").CountAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => typeof window.__mtPwned === 'undefined'"), "the message's script ran");
        await Axe.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task A_forged_form_post_without_the_antiforgery_token_is_refused_and_changes_nothing()
    {
        await using var console = await ConsoleRelay.StartAsync(browser);
        var relay = console.Relay;
        await relay.AddAliasAsync(Held, "john@real.example.org");
        await AliasStatusAsync(relay, Held);
        await Smtp.SendTextAsync(relay.SmtpPort, "friend@brand.example", "keep me held", Held);
        var store = relay.Services.GetRequiredService<IHeldStore>();
        var held = await Eventually.ValueAsync(() => store.ListAsync(HeldQuery.All, default), list => list.Count == 1, "the message is held");
        await console.SignInAsync();

        // Signed in (the session cookie goes along), but without the form's antiforgery token.
        var forged = await FormPostAsync(console, "/console/held?handler=Approve", $"ids={held[0].Id}");
        Assert.Equal(400, forged.Status);
        var forgedReject = await FormPostAsync(console, "/console/held?handler=Reject", $"ids={held[0].Id}&blockSender=true");
        Assert.Equal(400, forgedReject.Status);
        var forgedDlq = await FormPostAsync(console, "/console/dlq?handler=ReplayAll", string.Empty);
        Assert.Equal(400, forgedDlq.Status);
        var forgedAlias = await FormPostAsync(console, "/console/aliases?handler=Release", $"address={Held}");
        Assert.Equal(400, forgedAlias.Status);

        Assert.Equal(HeldState.Held, (await store.GetAsync(held[0].Id, default))!.State);

        // The same post from the page itself (token included) works.
        await console.Page.GotoAsync("/console/held");
        await console.Page.GetByRole(AriaRole.Checkbox, new() { Name = "Select message from friend@brand.example: keep me held" }).CheckAsync();
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Approve selected" }).ClickAsync();
        await console.Page.GetByText("Approved 1 message.").WaitForAsync();
        await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20));
    }

    /// <summary>A form post as another site (or a script) would forge it: the session cookie goes along, no antiforgery token.</summary>
    private static Task<IAPIResponse> FormPostAsync(ConsoleRelay console, string url, string body) =>
        console.Page.APIRequest.PostAsync(url, new()
        {
            Headers = new Dictionary<string, string> { ["Content-Type"] = "application/x-www-form-urlencoded" },
            Data = body,
            MaxRedirects = 0,
        });

    private static async Task AliasStatusAsync(MailTumble.Tests.RelayFixture relay, string alias) =>
        Assert.True(await relay.Services.GetRequiredService<MailTumble.Core.Aliases.IAliasAdmin>().SetStatusAsync(alias, MailTumble.Core.Aliases.AliasStatus.Held, default));
}
