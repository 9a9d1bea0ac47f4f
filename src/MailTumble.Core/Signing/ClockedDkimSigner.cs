using MimeKit.Cryptography;

namespace MailTumble.Core.Signing;

/// <summary>MimeKit's signer with its <c>t=</c> timestamp from the injected clock.</summary>
internal sealed class ClockedDkimSigner : DkimSigner
{
    private readonly TimeProvider _time;

    public ClockedDkimSigner(Stream key, string domain, string selector, TimeProvider time)
        : base(key, domain, selector, DkimSignatureAlgorithm.RsaSha256)
    {
        _time = time;
        HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
        BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed;
    }

    protected override long GetTimestamp() => _time.GetUtcNow().ToUnixTimeSeconds();
}
