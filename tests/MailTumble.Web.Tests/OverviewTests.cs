using System.Globalization;
using MailTumble.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace MailTumble.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed class OverviewTests(BrowserFixture browser)
{
    private const int Aliases = 40;

    [Fact]
    public async Task During_a_burst_against_a_slow_provider_the_overview_shows_the_depth_falling_and_the_charts_gaining_points()
    {
        // The provider stand-in takes 20 a second and throttles the rest; the relay is told it may send 30.
        var sink = SlowProvider.Create(perSecond: 20);
        await using var console = await ConsoleRelay.StartAsync(browser, new() { ["MailTumble:Outbound:MaxSendRate"] = "30" }, sink);
        var relay = console.Relay;
        var recipients = Enumerable.Range(0, Aliases).Select(i => $"burst{i:00}@mask.example.com").ToArray();
        foreach (var alias in recipients)
        {
            await relay.AddAliasAsync(alias, "john@real.example.org");
        }

        await console.SignInAsync();
        var page = console.Page;
        var seconds = page.Locator("#chart-seconds");
        await Eventually.TrueAsync(async () => await Points(seconds) > 0, "the per-second chart has its first point");

        // 10 messages to 40 aliases each: 400 deliveries, about 15 seconds of sending.
        for (var m = 0; m < 10; m++)
        {
            await Smtp.SendTextAsync(relay.SmtpPort, "news@brand.example", $"burst {m}", recipients);
        }

        // A second sender's mail takes its own lane.
        await Smtp.SendTextAsync(relay.SmtpPort, "alerts@other.example", "not stuck behind the burst", recipients);

        var high = await Eventually.ValueAsync(() => Depth(page), d => d >= 100, "the overview shows the burst queued");
        var lanes = page.Locator("#lane-rows");
        await Expect(lanes.Locator("tr[data-lane='brand.example']")).ToBeVisibleAsync();
        await Expect(lanes.Locator("tr[data-lane='brand.example'] td").Nth(1)).Not.ToHaveTextAsync("0");
        var pointsAtHigh = await Points(seconds);

        var lower = await Eventually.ValueAsync(() => Depth(page), d => d < high, $"the depth on the page falls below {high}", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => await Points(seconds) > pointsAtHigh, "the per-second chart gains points while the queue drains");
        Assert.True(lower < high);

        // Mid-burst: the picture in the README.
        await Eventually.TrueAsync(async () => await Points(seconds) >= pointsAtHigh + 6 || await Depth(page) < 150, "a few more seconds of draining are charted");
        await page.ScreenshotAsync(new() { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "overview-burst.png"), FullPage = true });
        Assert.NotEqual("0", await page.Locator("[data-field=rate]").TextContentAsync());

        await Eventually.TrueAsync(async () => await Depth(page) == 0, "the overview shows the queue empty", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(async () => await page.Locator("#drain").TextContentAsync() == "empty", "time to drain says empty");
        Assert.Equal(440, sink.Messages.Count);
        await Expect(lanes).ToContainTextAsync("No mail queued in any lane.");
        Assert.True(await Points(page.Locator("#chart-minutes")) >= 1);
        var summary = await seconds.Locator("[data-summary]").TextContentAsync();
        Assert.Matches(@"\d+ sent, [1-9]\d* throttled", summary); // the stand-in's throttling shows in the history
        await Axe.AssertNoSeriousViolationsAsync(page);
    }

    [Fact]
    public async Task The_overview_fits_a_phone_screen_and_a_laptop_screen()
    {
        await using var console = await ConsoleRelay.StartAsync(browser, width: 390, height: 844);
        await console.SignInAsync();
        foreach (var (width, height) in new[] { (390, 844), (1366, 768) })
        {
            await console.Page.SetViewportSizeAsync(width, height);
            foreach (var path in new[] { "/", "/console/held", "/console/aliases", "/console/dlq", "/console/feedback" })
            {
                await console.Page.GotoAsync(path);
                var overflow = await console.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - document.documentElement.clientWidth");
                Assert.True(overflow <= 0, $"{path} at {width}x{height} scrolls sideways by {overflow} px");
            }
        }

        await console.Page.SetViewportSizeAsync(390, 844);
        await console.Page.GotoAsync("/");
        await Eventually.TrueAsync(async () => await Points(console.Page.Locator("#chart-seconds")) > 0, "the chart draws on a phone");
        var chartWidth = await console.Page.EvaluateAsync<int>("() => document.querySelector('#chart-seconds canvas').getBoundingClientRect().right");
        Assert.True(chartWidth <= 390, $"the chart ends at {chartWidth} px on a 390 px screen");
    }

    private static async Task<int> Points(ILocator chart) =>
        int.Parse(await chart.GetAttributeAsync("data-points") ?? "0", CultureInfo.InvariantCulture);

    private static async Task<long> Depth(IPage page) =>
        long.Parse((await page.Locator("#depth").TextContentAsync() ?? "-1").Replace(",", string.Empty, StringComparison.Ordinal), CultureInfo.InvariantCulture);
}
