using MailTumble.Core.Sending;
using MailTumble.Smtp.Inbound;
using MailTumble.Smtp.Outbound;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MailTumble.Smtp;

/// <summary>Registers the SMTP adapters.</summary>
public static class SmtpServiceCollectionExtensions
{
    /// <summary>Adds the inbound SMTP listener as a hosted service.</summary>
    public static IServiceCollection AddMailTumbleSmtpListener(this IServiceCollection services, Action<SmtpListenerOptions> configure)
    {
        services.AddOptions<SmtpListenerOptions>().Configure(configure).ValidateDataAnnotations()
            .Validate(o => TryParse(o.Listen), "MailTumble:Smtp:Listen must be address:port, e.g. 127.0.0.1:2525")
            .ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<SmtpListenerOptions>>().Value);
        services.AddSingleton<SmtpListenerService>();
        services.AddHostedService(sp => sp.GetRequiredService<SmtpListenerService>());
        return services;
    }

    /// <summary>Adds the smarthost sender as the <see cref="IMailSender"/>.</summary>
    public static IServiceCollection AddMailTumbleSmtpSender(this IServiceCollection services, Action<OutboundSmtpOptions> configure)
    {
        services.AddOptions<OutboundSmtpOptions>().Configure(configure).ValidateDataAnnotations()
            .Validate(o => !string.IsNullOrWhiteSpace(o.Host), "MailTumble:Outbound:Smtp:Host must be set to send through a smarthost")
            .ValidateOnStart();
        services.TryAddSingleton(new ReplyClassifier());
        services.AddSingleton<IMailSender, SmtpMailSender>();
        return services;
    }

    private static bool TryParse(string listen)
    {
        try
        {
            SmtpListenerService.ParseEndPoint(listen);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
