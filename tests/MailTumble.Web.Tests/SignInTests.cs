using Microsoft.Playwright;

namespace MailTumble.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed class SignInTests(BrowserFixture browser)
{
    [Fact]
    public async Task The_console_asks_for_the_token_refuses_a_wrong_one_and_keeps_a_strict_http_only_session_cookie()
    {
        await using var console = await ConsoleRelay.StartAsync(browser);
        var page = console.Page;

        // Signed out: pages send to the sign-in page, the pages' polling gets 401, the assets are public.
        Assert.Equal(401, (await page.APIRequest.GetAsync("/console/held?handler=Rows")).Status);
        Assert.Equal(401, (await page.APIRequest.GetAsync("/?handler=Live&since=0&sinceMinute=0")).Status);
        Assert.Equal(401, (await page.APIRequest.PostAsync("/console/dlq?handler=ReplayAll", new() { MaxRedirects = 0 })).Status);
        Assert.Equal(200, (await page.APIRequest.GetAsync("/console/assets/console.css")).Status);
        await page.GotoAsync("/console/held");
        Assert.Contains("/console/login", page.Url, StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" }).WaitForAsync();

        await page.GetByLabel("API token").FillAsync("not-the-token");
        var refused = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync(),
            r => r.Request.Method == "POST");
        Assert.Equal(401, refused.Status);
        await page.GetByText("That token is not the relay's API token.").WaitForAsync();
        Assert.DoesNotContain(await console.Context.CookiesAsync(), c => c.Name == "mailtumble.console");

        await page.GetByLabel("API token").FillAsync(ConsoleRelay.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Held mail", Level = 1 }).WaitForAsync();

        var session = Assert.Single(await console.Context.CookiesAsync(), c => c.Name == "mailtumble.console");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.False(session.Secure); // plain HTTP on loopback; over TLS the cookie is Secure (SameAsRequest)

        // The session opens the console, not the bearer-token API.
        var api = await page.APIRequest.GetAsync("/queue/stats");
        Assert.Equal(401, api.Status);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" }).WaitForAsync();
        await page.GotoAsync("/");
        Assert.Contains("/console/login", page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_token_the_console_opens_on_loopback_with_no_sign_in()
    {
        await using var console = await ConsoleRelay.StartAsync(browser, withToken: false);
        await console.Page.GotoAsync("/");
        await console.Page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 }).WaitForAsync();
        Assert.DoesNotContain(await console.Context.CookiesAsync(), c => c.Name == "mailtumble.console");
    }
}
