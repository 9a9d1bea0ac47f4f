using MailTumble.Testing;
using MailTumble.Testing.Feedback;
using Microsoft.Playwright;
using SmtpServer.Protocol;
using static Microsoft.Playwright.Assertions;

namespace MailTumble.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed class DeadLetterAndFeedbackTests(BrowserFixture browser)
{
    private const string Alias = "x7g2@mask.example.com";
    private const string Target = "john@real.example.org";

    [Fact]
    public async Task A_dead_letter_shows_its_last_reply_and_is_replayed_from_the_page()
    {
        // The provider refuses for good until the operator has fixed things.
        var refuse = true;
        var sink = new TestSmtpSink { Responder = _ => Volatile.Read(ref refuse) ? new SmtpResponse(SmtpReplyCode.MailboxUnavailable, "5.1.1 mailbox unknown") : null };
        await using var console = await ConsoleRelay.StartAsync(browser, sink: sink);
        var relay = console.Relay;
        await relay.AddAliasAsync(Alias, Target);
        await Smtp.SendTextAsync(relay.SmtpPort, "shop@brand.example", "dead on arrival", Alias);
        await relay.WaitForIdleAsync();

        await console.SignInAsync();
        var page = console.Page;
        await Eventually.TrueAsync(async () => await page.Locator("[data-field=dead_letters]").TextContentAsync() == "1", "the overview counts the dead letter");
        await page.GetByRole(AriaRole.Link, new() { Name = "Dead letters" }).First.ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Dead letters", Level = 1 }).WaitForAsync();
        var row = page.Locator("#dlq-rows tr");
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row).ToContainTextAsync("550 5.1.1 mailbox unknown");
        await Axe.AssertNoSeriousViolationsAsync(page);

        // Purging by age keeps what is younger.
        await page.GetByLabel("Purge older than").FillAsync("7d");
        await page.GetByRole(AriaRole.Button, new() { Name = "Purge" }).ClickAsync();
        await page.GetByText("Purged 0 dead letters older than 7d.").WaitForAsync();
        await Expect(row).ToHaveCountAsync(1);

        await row.GetByRole(AriaRole.Link).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Dead letter", Level = 1 }).WaitForAsync();
        await Expect(page.Locator("#reason")).ToContainTextAsync("5.1.1 mailbox unknown");
        await Axe.AssertNoSeriousViolationsAsync(page);

        Volatile.Write(ref refuse, false);
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay" }).ClickAsync();
        await page.GetByText("Replayed: the delivery is queued again.").WaitForAsync();
        var delivered = await sink.WaitForAsync(1, TimeSpan.FromSeconds(20));
        Assert.Equal("dead on arrival", delivered[0].Header("Subject"));
        await Expect(page.Locator("#dlq-rows")).ToContainTextAsync("No dead letters.");
    }

    [Fact]
    public async Task A_bounce_is_listed_with_the_alias_and_delivery_it_was_attributed_to()
    {
        await using var console = await ConsoleRelay.StartAsync(browser);
        var relay = console.Relay;
        await relay.AddAliasAsync(Alias, Target);
        await Smtp.SendTextAsync(relay.SmtpPort, "shop@brand.example", "will bounce", Alias);
        var sent = (await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)))[0];

        await console.SignInAsync();
        var page = console.Page;
        await page.GotoAsync("/console/feedback");
        await page.GetByText("No feedback recorded.").WaitForAsync();

        // The target's MTA sends a DSN to the signed bounce address, over SMTP; the open page shows it without a reload.
        await Smtp.SendAsync(relay.SmtpPort, string.Empty, [sent.From], MailReportSamples.Dsn(sent.From, Target, "5.1.1", "dsn-1@mx.real.example.org"));
        var row = page.Locator("#feedback-rows tr").First;
        await Expect(row).ToContainTextAsync(Alias, new() { Timeout = 20_000 });
        await Expect(row).ToContainTextAsync("Bounce");
        await Expect(row).ToContainTextAsync("Permanent");
        await Expect(row).ToContainTextAsync(Target);
        await Expect(row).ToContainTextAsync("sent ");
        await Axe.AssertNoSeriousViolationsAsync(page);

        await row.GetByRole(AriaRole.Link, new() { Name = Alias }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = Alias, Level = 1 }).WaitForAsync();
        await Expect(page.Locator("dl.facts")).ToContainTextAsync("Permanent bounces1");
        await Expect(page.Locator("table tbody tr").First).ToContainTextAsync("Bounce");
        await Axe.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task Aliases_are_added_found_changed_and_removed_in_the_page()
    {
        await using var console = await ConsoleRelay.StartAsync(browser);
        await console.Relay.AddAliasAsync("other@mask.example.com", Target);
        await console.SignInAsync();
        var page = console.Page;
        await page.GotoAsync("/console/aliases");
        await page.GetByLabel("Alias", new() { Exact = true }).FillAsync(Alias);
        await page.GetByLabel("Target", new() { Exact = true }).FillAsync(Target);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save alias" }).ClickAsync();
        await page.GetByText($"Created {Alias} → {Target}.").WaitForAsync();
        await Axe.AssertNoSeriousViolationsAsync(page);

        await page.GetByLabel("Address starts with").FillAsync("x7");
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Expect(page.Locator("tr[data-alias]")).ToHaveCountAsync(1);

        await page.GetByRole(AriaRole.Link, new() { Name = Alias }).ClickAsync();
        await page.GetByLabel("Target", new() { Exact = true }).FillAsync("jane@real.example.org");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change target" }).ClickAsync();
        await page.GetByText($"{Alias} now forwards to jane@real.example.org.").WaitForAsync();
        await Axe.AssertNoSeriousViolationsAsync(page);

        // Mail goes to the new target at once.
        await Smtp.SendTextAsync(console.Relay.SmtpPort, "shop@brand.example", "to jane", Alias);
        Assert.Equal(["jane@real.example.org"], (await console.Relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(20)))[0].To);

        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Yes, remove this alias" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove alias" }).ClickAsync();
        await page.GetByText($"Removed {Alias}.").WaitForAsync();
        await Expect(page.Locator("tr[data-alias]")).ToHaveCountAsync(1);
        await Expect(page.Locator("tr[data-alias]")).ToContainTextAsync("other@mask.example.com");
    }

    [Fact]
    public async Task The_sign_in_page_and_the_empty_pages_pass_the_accessibility_check()
    {
        await using var console = await ConsoleRelay.StartAsync(browser);
        await console.Page.GotoAsync("/console/login");
        await Axe.AssertNoSeriousViolationsAsync(console.Page);
        await console.SignInAsync();
        foreach (var path in new[] { "/", "/console/held", "/console/aliases", "/console/dlq", "/console/feedback" })
        {
            await console.Page.GotoAsync(path);
            await console.Page.Locator("h1").WaitForAsync();
            await Axe.AssertNoSeriousViolationsAsync(console.Page);
        }
    }
}
