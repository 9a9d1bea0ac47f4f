namespace MailTumble.Core.Signing;

/// <summary>
/// DKIM signing of outbound mail (<c>MailTumble:Dkim</c>). With <see cref="Selector"/> set, every message whose
/// <c>From</c> domain has a key in <c>{KeyDirectory}/{Selector}/{domain}.pem</c> is signed for that domain.
/// </summary>
public sealed class DkimOptions
{
    /// <summary>The selector (<c>s=</c>, the DNS name <c>{selector}._domainkey.{domain}</c>). Unset: nothing is signed.</summary>
    public string? Selector { get; set; }

    /// <summary>Where the keys are, one folder per selector (the host sets <c>{DataDir}/dkim</c>).</summary>
    public string? KeyDirectory { get; set; }
}
