using MailTumble.Core.Queue;

namespace MailTumble.Postgres;

/// <summary>
/// The family's storage state: PostgreSQL manages its own disk, so the relay never reserves room here; a server that
/// cannot write fails the enqueue, and the sender is answered 451 and keeps the mail.
/// </summary>
internal sealed class PostgresStorageState : IStorageState
{
    public bool IsFull => false;
}
