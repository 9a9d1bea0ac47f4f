using System.Runtime.CompilerServices;
using System.Text;

namespace MailTumble.Core;

/// <summary>
/// Makes the legacy code pages (Shift_JIS, IBM850, windows-125x, ...) available before anything reads mail. It has to
/// happen before MimeKit first looks up a charset: MimeKit probes the code pages once and remembers the ones missing.
/// </summary>
internal static class CharsetRegistration
{
#pragma warning disable CA2255 // Core's own parsing needs it before the first message, whoever touches MimeKit first.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
}
