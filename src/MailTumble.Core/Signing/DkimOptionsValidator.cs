using MailTumble.Core.Storage;
using Microsoft.Extensions.Options;
using MimeKit.Cryptography;

namespace MailTumble.Core.Signing;

/// <summary>Checks at start that a configured selector has keys and that each one loads.</summary>
internal sealed class DkimOptionsValidator(IKeyFiles files) : IValidateOptions<DkimOptions>
{
    public ValidateOptionsResult Validate(string? name, DkimOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Selector))
        {
            return ValidateOptionsResult.Success;
        }

        var selector = options.Selector.Trim();
        if (!DkimKeys.IsValidSelector(selector))
        {
            return ValidateOptionsResult.Fail($"MailTumble:Dkim:Selector '{selector}' is not a DNS label (letters, digits, '-', dots between labels)");
        }

        if (string.IsNullOrWhiteSpace(options.KeyDirectory))
        {
            return ValidateOptionsResult.Fail("MailTumble:Dkim:KeyDirectory must be set when MailTumble:Dkim:Selector is");
        }

        var keys = DkimKeys.List(files, options.KeyDirectory, selector);
        if (keys.Count == 0)
        {
            return ValidateOptionsResult.Fail(
                $"MailTumble:Dkim:Selector is '{selector}' but {Path.Combine(options.KeyDirectory, selector)} holds no {{domain}}.pem key; create one with: mailtumble dkim keygen --domain DOMAIN --selector {selector}");
        }

        var errors = new List<string>();
        foreach (var (domain, file) in keys)
        {
            try
            {
                using var stream = new MemoryStream(DkimKeys.Read(files, file), writable: false);
                _ = new DkimSigner(stream, domain, selector);
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException or InvalidCastException)
            {
                errors.Add($"MailTumble:Dkim: the key {file} (selector '{selector}') cannot be read: {ex.Message}");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
