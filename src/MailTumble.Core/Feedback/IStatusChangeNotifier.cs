namespace MailTumble.Core.Feedback;

/// <summary>Port: told when feedback changed an alias's status; must not block.</summary>
public interface IStatusChangeNotifier
{
    /// <summary>Queues a notification and returns at once.</summary>
    void Notify(StatusChange change);
}
