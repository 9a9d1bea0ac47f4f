using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace MailTumble.Tests;

/// <summary>The <c>/held</c> and <c>/senders</c> routes over real HTTP, with mail sent over real SMTP.</summary>
public sealed class ModerationApiTests
{
    [Fact]
    public async Task Sender_rules_and_held_mail_are_managed_over_the_api_with_the_token()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Api:Token"] = "s3cret" });
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(new Uri("/held", UriKind.Relative))).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");

        Assert.Equal(HttpStatusCode.NoContent, (await http.PutAsJsonAsync(new Uri("/senders", UriKind.Relative), new { sender = "@brand.example", action = "hold", note = "review" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsJsonAsync(new Uri("/senders", UriKind.Relative), new { sender = "@brand.example", action = "zap" })).StatusCode);
        var rules = JsonDocument.Parse(await http.GetStringAsync(new Uri("/senders", UriKind.Relative))).RootElement;
        Assert.Equal("hold", Assert.Single(rules.EnumerateArray()).GetProperty("action").GetString());

        await ModerationTests.SendAsync(relay, "shop@brand.example", "first");
        await ModerationTests.SendAsync(relay, "shop@brand.example", "second");
        await ModerationTests.WaitForHeldAsync(relay, 2);
        var held = JsonDocument.Parse(await http.GetStringAsync(new Uri("/held?sender=@brand.example", UriKind.Relative))).RootElement.EnumerateArray().ToList();
        Assert.Equal(["first", "second"], held.Select(h => h.GetProperty("subject").GetString()));
        var first = held[0].GetProperty("id").GetString()!;

        var show = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/held/{first}", UriKind.Relative))).RootElement;
        Assert.Contains("hello from shop@brand.example", show.GetProperty("preview").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri("/held/nope", UriKind.Relative))).StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostAsJsonAsync(new Uri("/held/approve", UriKind.Relative), new { reason = "no selection" })).StatusCode);
        var approved = await http.PostAsJsonAsync(new Uri("/held/approve", UriKind.Relative), new { ids = new[] { first }, reason = "ok", by = "api:alice" });
        Assert.Equal(1, JsonDocument.Parse(await approved.Content.ReadAsStringAsync()).RootElement.GetProperty("approved").GetInt32());
        var rejected = await http.PostAsJsonAsync(new Uri("/held/reject", UriKind.Relative), new { alias = "x7g2@mask.example.com" });
        Assert.Equal(1, JsonDocument.Parse(await rejected.Content.ReadAsStringAsync()).RootElement.GetProperty("rejected").GetInt32());

        Assert.Equal("first", Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(10))).Header("Subject"));
        var decided = JsonDocument.Parse(await http.GetStringAsync(new Uri($"/held/{first}", UriKind.Relative))).RootElement.GetProperty("message");
        Assert.Equal(("approved", "api:alice"), (decided.GetProperty("state").GetString(), decided.GetProperty("decided_by").GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync(new Uri("/senders/@brand.example", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.DeleteAsync(new Uri("/senders/@brand.example", UriKind.Relative))).StatusCode);
        Assert.Single(await relay.SettleWithControlAsync());
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("1e308")]
    [InlineData("Infinity")]
    [InlineData("-1")]
    public async Task An_age_that_is_no_number_of_seconds_gets_400_naming_the_parameter(string age)
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Api:Token"] = "s3cret" });
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");

        var listed = await http.GetAsync(new Uri($"/held?older_than_seconds={age}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, listed.StatusCode);
        Assert.Contains("older_than_seconds must be a number of seconds from 0 to 3155760000 (100 years)", await listed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        if (double.TryParse(age, System.Globalization.CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            var approved = await http.PostAsJsonAsync(new Uri("/held/approve", UriKind.Relative), new { older_than_seconds = value });
            Assert.Equal(HttpStatusCode.BadRequest, approved.StatusCode);
        }

        // A sensible age still answers.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/held?older_than_seconds=3600", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task First_contact_is_switched_per_alias_over_the_api()
    {
        await using var relay = await RelayFixture.StartAsync(new() { ["MailTumble:Api:Token"] = "s3cret" });
        await relay.AddAliasAsync("x7g2@mask.example.com", "john@real.example.org");
        await relay.AddAliasAsync("other@mask.example.com", "jane@real.example.org");
        using var http = new HttpClient { BaseAddress = new Uri(relay.ApiBase) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");

        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsJsonAsync(new Uri("/senders/first-contact", UriKind.Relative), new { state = "maybe" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PutAsJsonAsync(new Uri("/senders/first-contact", UriKind.Relative), new { state = "on", alias = "not an address" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PutAsJsonAsync(new Uri("/senders/first-contact", UriKind.Relative), new { state = "on", alias = "x7g2@mask.example.com" })).StatusCode);

        // A new sender to the moderated alias is held; the same sender to the other alias goes through.
        await ModerationTests.SendAsync(relay, "stranger@brand.example", "hello?");
        await ModerationTests.SendAsync(relay, "stranger@brand.example", "hi other", "other@mask.example.com");
        Assert.Equal("hello?", Assert.Single(await ModerationTests.WaitForHeldAsync(relay, 1)).Subject);
        Assert.Equal("hi other", Assert.Single(await relay.Sink.WaitForAsync(1, TimeSpan.FromSeconds(10))).Header("Subject"));

        // Off again: the next message from another stranger is forwarded.
        Assert.Equal(HttpStatusCode.NoContent, (await http.PutAsJsonAsync(new Uri("/senders/first-contact", UriKind.Relative), new { state = "default", alias = "x7g2@mask.example.com" })).StatusCode);
        await ModerationTests.SendAsync(relay, "another@brand.example", "after");
        Assert.Equal(2, (await relay.Sink.WaitForAsync(2, TimeSpan.FromSeconds(10))).Count);
    }
}
