using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailTumble.RestDirectory.Tests;

internal static class RestDirectories
{
    public static RestAliasDirectory Create(Uri url, string? token, TimeProvider? time = null, Action<RestDirectoryOptions>? configure = null)
    {
        var options = new RestDirectoryOptions { Url = url.ToString(), Token = token, Timeout = TimeSpan.FromSeconds(2) };
        configure?.Invoke(options);
        return new RestAliasDirectory(new SocketsHttpHandler(), Options.Create(options), time ?? TimeProvider.System, NullLogger<RestAliasDirectory>.Instance);
    }
}
