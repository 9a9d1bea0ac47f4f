using System.Security.Cryptography;
using System.Text;

namespace MailTumble.Web.Security;

/// <summary>The console's cookie scheme and the token check.</summary>
internal static class ConsoleAuth
{
    public const string Scheme = "MailTumbleConsole";

    public const string CookieName = "mailtumble.console";

    public const string AntiforgeryCookieName = "mailtumble.console.af";

    /// <summary>Compares in constant time, so the answer's timing says nothing about the token.</summary>
    public static bool Matches(string? given, string expected) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given.Trim()), Encoding.UTF8.GetBytes(expected));
}
