using System.Runtime.CompilerServices;
using System.Text;

namespace MailTumble.Core.Tests;

/// <summary>Test classes run in parallel and some use MimeKit before touching Core: register the code pages first (see Core's CharsetRegistration).</summary>
internal static class CharsetSetup
{
    [ModuleInitializer]
    internal static void Register() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
}
