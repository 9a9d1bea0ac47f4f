using System.Security.Claims;
using MailTumble.Web.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace MailTumble.Web.Pages;

/// <summary>Sign-in with the API token; a session cookie (HttpOnly, SameSite=Strict, Secure over TLS) keeps it.</summary>
internal sealed class LoginModel(IOptions<ConsoleOptions> options) : PageModel
{
    public bool SignInRequired => !string.IsNullOrEmpty(options.Value.Token);

    public bool Refused { get; private set; }

    public string ReturnUrl { get; private set; } = "/";

    public void OnGet(string? returnUrl) => ReturnUrl = Local(returnUrl);

    public async Task<IActionResult> OnPostAsync(string? token, string? returnUrl)
    {
        ReturnUrl = Local(returnUrl);
        if (!SignInRequired)
        {
            return LocalRedirect(ReturnUrl);
        }

        if (!ConsoleAuth.Matches(token, options.Value.Token!))
        {
            Refused = true;
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], ConsoleAuth.Scheme);
        await HttpContext.SignInAsync(ConsoleAuth.Scheme, new ClaimsPrincipal(identity)).ConfigureAwait(false);
        return LocalRedirect(ReturnUrl);
    }

    public async Task<IActionResult> OnPostLogoutAsync()
    {
        if (SignInRequired)
        {
            await HttpContext.SignOutAsync(ConsoleAuth.Scheme).ConfigureAwait(false);
        }

        return RedirectToPage("/Login");
    }

    private string Local(string? url) => !string.IsNullOrEmpty(url) && Url.IsLocalUrl(url) ? url : "/";
}
