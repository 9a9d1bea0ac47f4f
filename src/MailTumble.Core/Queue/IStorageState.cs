namespace MailTumble.Core.Queue;

/// <summary>Whether the storage behind the raw store and the queue has room for new mail.</summary>
public interface IStorageState
{
    /// <summary>
    /// True while the storage is full: new mail is answered <c>452 4.3.1</c> (the sender keeps it), while send-out goes
    /// on, since sending is what frees room.
    /// </summary>
    bool IsFull { get; }
}
