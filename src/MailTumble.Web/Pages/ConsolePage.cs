using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace MailTumble.Web.Pages;

/// <summary>What every console page shares: who decided (for the logs and decisions) and the notice after a form post.</summary>
internal abstract class ConsolePage : PageModel
{
    /// <summary>Recorded as the decision's author, as the CLI records <c>cli:user</c> and the API <c>api</c>.</summary>
    public const string By = "console";

    /// <summary>Back to the page (post, redirect, get), with a notice shown once.</summary>
    protected IActionResult Done(string notice, string? url = null)
    {
        TempData["Notice"] = notice;
        return url is null ? Redirect(Request.Path + Request.QueryString) : LocalRedirect(url);
    }

    protected IActionResult Problem(string problem, string? url = null)
    {
        TempData["Problem"] = problem;
        return url is null ? Redirect(Request.Path + Request.QueryString) : LocalRedirect(url);
    }
}
