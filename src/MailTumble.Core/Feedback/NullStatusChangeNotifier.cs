namespace MailTumble.Core.Feedback;

/// <summary>No webhook configured: status changes are only logged.</summary>
public sealed class NullStatusChangeNotifier : IStatusChangeNotifier
{
    public void Notify(StatusChange change)
    {
    }
}
