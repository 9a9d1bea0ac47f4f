using MailTumble.Core.Aliases;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MailTumble.Testing;

/// <summary>A driver as the host composes it: inside the one resilience policy (timeout, circuit breaker) every driver gets.</summary>
public static class ResilientDirectories
{
    /// <summary>Puts <see cref="ResilientAliasDirectory"/> with the default settings, changed by <paramref name="configure"/>, around <paramref name="driver"/>.</summary>
    public static ResilientAliasDirectory Wrap(IAliasDirectory driver, string name, TimeProvider? time = null, Action<DirectoryResilienceOptions>? configure = null)
    {
        var options = new DirectoryResilienceOptions();
        configure?.Invoke(options);
        return new ResilientAliasDirectory(driver, name, Options.Create(options), time ?? TimeProvider.System, NullLogger<ResilientAliasDirectory>.Instance);
    }
}
