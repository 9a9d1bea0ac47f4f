using MailTumble.Core.Directory;
using MailTumble.Core.Receiving;
using MailTumble.Hosting;
using MailTumble.Http;
using MailTumble.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Tests;

public sealed class DirectoryDriverSelectionTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private ServiceProvider Build(Dictionary<string, string?> settings)
    {
        settings["MailTumble:DataDir"] = _dir.Path;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        services.AddMailTumbleRelay(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void An_unknown_driver_stops_start_up_naming_the_setting()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build(new() { ["MailTumble:Directory:Driver"] = "ldap" }));
        Assert.Contains("MailTumble:Directory:Driver", error.Message, StringComparison.Ordinal);
        Assert.Contains("ldap", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rest_driver_without_api_url_names_the_setting()
    {
        using var provider = Build(new() { ["MailTumble:Directory:Driver"] = "rest" });
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RestDirectoryOptions>>().Value);
        Assert.Contains("API_URL (MailTumble:Directory:Rest:Url)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_default_driver_is_sqlite_behind_the_cache_and_writable()
    {
        await using var provider = Build([]);
        var admin = provider.GetRequiredService<IAliasAdmin>();
        Assert.IsType<CachingAliasDirectory>(provider.GetRequiredService<IAliasDirectory>());
        Assert.True(await admin.UpsertAsync("x7g2@mask.example.com", "john@real.example.org", default));
        var decision = await provider.GetRequiredService<RecipientPolicy>().CheckAsync("x7g2@mask.example.com", default);
        Assert.Equal(250, decision.Reply.Code);
    }

    [Fact]
    public async Task The_map_driver_is_read_only_and_answers_rcpt()
    {
        var path = Path.Combine(_dir.Path, "aliases.yaml");
        await File.WriteAllTextAsync(path, "aliases:\n  x7g2@mask.example.com: john@real.example.org\n");
        await using var provider = Build(new() { ["MailTumble:Directory:Driver"] = "map", ["MailTumble:Directory:Map:Path"] = path });
        Assert.Null(provider.GetService<IAliasAdmin>());
        var policy = provider.GetRequiredService<RecipientPolicy>();
        Assert.Equal(250, (await policy.CheckAsync("x7g2+news@mask.example.com", default)).Reply.Code);
        Assert.Equal(550, (await policy.CheckAsync("nobody@mask.example.com", default)).Reply.Code);
        Assert.Equal(554, (await policy.CheckAsync("x7g2@elsewhere.example", default)).Reply.Code);
    }

    public void Dispose() => _dir.Dispose();
}
