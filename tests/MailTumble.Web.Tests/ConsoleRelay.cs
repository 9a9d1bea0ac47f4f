using MailTumble.Testing;
using MailTumble.Tests;
using Microsoft.Playwright;

namespace MailTumble.Web.Tests;

/// <summary>A relay in this process (real SMTP, SQLite, a TestSmtpSink as the provider) and a browser context on its console.</summary>
internal sealed class ConsoleRelay : IAsyncDisposable
{
    public const string Token = "console-test-token-0123456789";

    private ConsoleRelay(RelayFixture relay, IBrowserContext context, IPage page)
    {
        Relay = relay;
        Context = context;
        Page = page;
    }

    public RelayFixture Relay { get; }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public string Base => Relay.ApiBase.TrimEnd('/');

    public static async Task<ConsoleRelay> StartAsync(BrowserFixture browser, Dictionary<string, string?>? settings = null, TestSmtpSink? sink = null, bool withToken = true, int width = 1366, int height = 768)
    {
        var values = new Dictionary<string, string?>(settings ?? []);
        if (withToken)
        {
            values["MailTumble:Api:Token"] = Token;
        }

        var relay = await RelayFixture.StartAsync(values, sink: sink);
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = relay.ApiBase.TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        return new ConsoleRelay(relay, context, page);
    }

    /// <summary>Signs in through the page with the relay's token and lands on the overview.</summary>
    public async Task SignInAsync()
    {
        await Page.GotoAsync("/");
        await Page.GetByLabel("API token").FillAsync(Token);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 }).WaitForAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        await Relay.DisposeAsync();
    }
}
