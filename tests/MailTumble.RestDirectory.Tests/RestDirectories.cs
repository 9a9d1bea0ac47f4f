using MailTumble.Core.Aliases;
using MailTumble.Testing;
using Microsoft.Extensions.Options;

namespace MailTumble.RestDirectory.Tests;

internal static class RestDirectories
{
    public static RestAliasDirectory Create(Uri url, string? token, Action<RestDirectoryOptions>? configure = null)
    {
        var options = new RestDirectoryOptions { Url = url.ToString(), Token = token };
        configure?.Invoke(options);
        return new RestAliasDirectory(new SocketsHttpHandler(), Options.Create(options));
    }

    /// <summary>The driver as the host composes it: inside the resilience policy, with a 2 s timeout unless <paramref name="configure"/> says otherwise.</summary>
    public static ResilientAliasDirectory Resilient(RestAliasDirectory driver, TimeProvider? time = null, Action<DirectoryResilienceOptions>? configure = null) =>
        ResilientDirectories.Wrap(driver, "rest", time, o =>
        {
            o.Timeout = TimeSpan.FromSeconds(2);
            configure?.Invoke(o);
        });
}
