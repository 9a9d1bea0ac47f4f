using MailTumble.Core.Feedback;
using MailTumble.Testing.Contracts;

namespace MailTumble.Postgres.Tests;

/// <summary>The feedback store contract against PostgreSQL, each test in a schema of its own.</summary>
public sealed class PostgresFeedbackStoreContractTests : FeedbackStoreContract, IAsyncLifetime
{
    private TestSchema? _schema;

    protected override Task<IFeedbackStore> CreateAsync(TimeProvider time)
    {
        _schema = new TestSchema();
        return Task.FromResult<IFeedbackStore>(new PostgresFeedbackStore(_schema.Open(), time));
    }

    protected override Task CloseAsync(IFeedbackStore store) => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        if (_schema is not null)
        {
            await _schema.DisposeAsync();
        }
    }
}
