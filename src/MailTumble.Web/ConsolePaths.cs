using Microsoft.AspNetCore.Http;

namespace MailTumble.Web;

/// <summary>Where the console lives on the API listener: the overview at <c>/</c>, everything else under <c>/console</c>.</summary>
public static class ConsolePaths
{
    /// <summary>Prefix of every console page but the overview.</summary>
    public const string Prefix = "/console";

    /// <summary>The sign-in page.</summary>
    public const string Login = Prefix + "/login";

    /// <summary>Served files (CSS, scripts).</summary>
    public const string Assets = Prefix + "/assets";

    /// <summary>Whether the console (not the bearer-token API) answers this path.</summary>
    public static bool Owns(PathString path) =>
        path.Equals("/", StringComparison.Ordinal) || path.StartsWithSegments(Prefix, StringComparison.Ordinal);
}
