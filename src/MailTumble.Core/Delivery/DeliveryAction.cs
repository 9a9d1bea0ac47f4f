namespace MailTumble.Core.Delivery;

/// <summary>What the send-out stage does with one leased delivery (see <see cref="DeliveryPolicy"/>).</summary>
internal enum DeliveryAction
{
    /// <summary>Send it now, to <see cref="DeliveryVerdict.Target"/>.</summary>
    Send,

    /// <summary>The provider took it: remember who it was for, ack it and release the stored message.</summary>
    Sent,

    /// <summary>Hand it back to the queue, due again at <see cref="DeliveryVerdict.NotBefore"/>.</summary>
    Retry,

    /// <summary>Keep it as a dead letter, never sent again.</summary>
    DeadLetter,

    /// <summary>Nothing to send it to any more (alias removed, disabled or dead; target removed or dead): ack it as dropped.</summary>
    Drop,
}
