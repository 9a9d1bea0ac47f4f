namespace MailTumble.Core.Replies;

/// <summary>The keys of two-way masking: reverse aliases and sealed Message-IDs, both derived from the one reply key.</summary>
public sealed class TwoWayMasking
{
    /// <summary>Creates both codecs from the reply key (at least 16 bytes).</summary>
    public TwoWayMasking(byte[] key)
    {
        Aliases = new ReverseAliases(key);
        Ids = new MessageIdCodec(key);
    }

    /// <summary>Reverse aliases.</summary>
    public ReverseAliases Aliases { get; }

    /// <summary>Sealed Message-IDs.</summary>
    public MessageIdCodec Ids { get; }
}
