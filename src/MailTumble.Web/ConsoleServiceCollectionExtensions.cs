using MailTumble.Web.Live;
using MailTumble.Web.Security;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MailTumble.Web;

/// <summary>Registers and wires the operator console.</summary>
public static class ConsoleServiceCollectionExtensions
{
    /// <summary>Adds the console's pages, sign-in, antiforgery and the in-process chart history.</summary>
    public static IServiceCollection AddMailTumbleConsole(this IServiceCollection services, Action<ConsoleOptions> configure)
    {
        services.AddOptions<ConsoleOptions>().Configure(configure);
        var signIn = new ConsoleOptions();
        configure(signIn);

        // Keys live in memory: a restart signs operators out and voids open forms, and no key material is left on disk.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = ConsoleAuth.AntiforgeryCookieName;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = "/";
        });
        services.AddAuthentication(ConsoleAuth.Scheme).AddCookie(ConsoleAuth.Scheme, o =>
        {
            o.Cookie.Name = ConsoleAuth.CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = "/";
            o.ExpireTimeSpan = signIn.SessionLifetime;
            o.SlidingExpiration = true;
            o.LoginPath = ConsolePaths.Login;
            o.LogoutPath = ConsolePaths.Prefix + "/logout";
            o.ReturnUrlParameter = "returnUrl";
            o.Events.OnRedirectToLogin = context =>
            {
                // The page's own polling gets a plain 401 (its script then sends the operator to sign in).
                if (context.Request.Query.ContainsKey("handler"))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                }

                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
        });
        services.AddAuthorization();
        services.AddRazorPages(o =>
        {
            if (!string.IsNullOrEmpty(signIn.Token))
            {
                o.Conventions.AuthorizeFolder("/");
                o.Conventions.AllowAnonymousToPage("/Login");
            }
        }).AddApplicationPart(typeof(ConsoleServiceCollectionExtensions).Assembly);

        services.TryAddSingleton(sp => new SendCounters(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<LiveHistory>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveHistory>());
        services.TryAddSingleton<OverviewReader>();
        return services;
    }

    /// <summary>Serves the console: the overview at <c>/</c>, the other pages and assets under <c>/console</c>.</summary>
    public static WebApplication UseMailTumbleConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<ConsoleOptions>>().Value;
        app.UseWhen(c => ConsolePaths.Owns(c.Request.Path), console =>
        {
            console.UseMiddleware<ConsoleGuardMiddleware>(!string.IsNullOrEmpty(options.Token));
            console.UseAuthentication();
            console.UseAuthorization();
        });
        app.MapRazorPages();
        app.MapConsoleAssets();
        return app;
    }
}
