using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;
using MailTumble.Core.Moderation;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Web.Pages.Aliases;

/// <summary>Alias changes from the console, through the same ports (and audit log) as the API.</summary>
internal static class AliasActions
{
    public static bool TryAddress(string? text, out string address)
    {
        address = string.Empty;
        if (!MailAddress.TryParse(text?.Trim(), out var parsed))
        {
            return false;
        }

        address = parsed.Value;
        return true;
    }

    /// <summary>Holds or releases (active) an alias; false when there is no such alias.</summary>
    public static async Task<bool> SetStatusAsync(IServiceProvider services, string address, AliasStatus status, string? reason, CancellationToken cancellationToken)
    {
        var admin = services.GetRequiredService<IAliasAdmin>();
        if (!await admin.SetStatusAsync(address, status, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        services.GetRequiredService<ModerationAudit>().AliasStatusSet(address, status, ConsolePage.By, reason);
        return true;
    }
}
