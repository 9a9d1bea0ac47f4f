using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace MailTumble.Core.Aliases;

/// <summary>
/// Decorates a directory with positive and negative caches and coalesces concurrent lookups of one
/// address into one call, so a burst to a few aliases costs a few directory calls. Temporary failures
/// are never cached. Changes made through this instance invalidate the address at once.
/// </summary>
public sealed class CachingAliasDirectory : IAliasDirectory, IAliasAdmin
{
    private readonly IAliasDirectory _inner;
    private readonly IAliasAdmin? _admin;
    private readonly DirectoryCacheOptions _options;
    private readonly TimeProvider _time;
    private readonly int _maxTargets;
    private readonly ConcurrentDictionary<string, CacheEntry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<LookupResult>> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DomainEntry> _domains = new(StringComparer.Ordinal);
    private readonly IVersionedAliasDirectory? _versioned;
    private long _generation;
    private long _innerVersion;

    /// <summary>Creates the cache over <paramref name="inner"/>; <paramref name="admin"/> is null for a read-only directory.</summary>
    public CachingAliasDirectory(IAliasDirectory inner, IAliasAdmin? admin, IOptions<DirectoryCacheOptions> options, TimeProvider time, IOptions<AliasOptions>? aliases = null)
    {
        _maxTargets = aliases?.Value.MaxTargetsPerAlias ?? new AliasOptions().MaxTargetsPerAlias;
        ArgumentNullException.ThrowIfNull(options);
        _inner = inner;
        _admin = admin;
        _options = options.Value;
        _time = time;
        _versioned = inner as IVersionedAliasDirectory;
        _innerVersion = _versioned?.Version ?? 0;
    }

    /// <summary>The directory behind the cache.</summary>
    public IAliasDirectory Inner => _inner;

    /// <inheritdoc />
    public async ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!_options.Enabled)
        {
            return await _inner.LookupAsync(address, cancellationToken).ConfigureAwait(false);
        }

        ClearIfReloaded();
        var key = address.ToLowerInvariant();
        var now = _time.GetUtcNow();
        if (_entries.TryGetValue(key, out var cached) && cached.ExpiresAt > now)
        {
            return cached.Result;
        }

        var generation = Interlocked.Read(ref _generation);
        var mine = new TaskCompletionSource<LookupResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var shared = _inFlight.GetOrAdd(key, mine.Task);
        if (shared == mine.Task)
        {
            if (_entries.TryGetValue(key, out cached) && cached.ExpiresAt > _time.GetUtcNow())
            {
                // Another fetch finished between our cache check and our claim: use its answer.
                _inFlight.TryRemove(new KeyValuePair<string, Task<LookupResult>>(key, mine.Task));
                mine.SetResult(cached.Result);
            }
            else
            {
                // Only the caller that claimed the key fetches; the shared call is not cancelled by its token.
                _ = FetchAsync(key, generation, mine);
            }
        }

        return await shared.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ClearIfReloaded();
        var key = domain.ToLowerInvariant();
        if (_options.Enabled && _domains.TryGetValue(key, out var cached) && cached.ExpiresAt > _time.GetUtcNow())
        {
            return cached.Has;
        }

        var has = await _inner.HasDomainAsync(key, cancellationToken).ConfigureAwait(false);
        if (_options.Enabled)
        {
            _domains[key] = new DomainEntry(has, _time.GetUtcNow() + (has ? _options.PositiveTtl : _options.NegativeTtl));
        }

        return has;
    }

    /// <summary>Forgets what is cached for one address, and any lookup of it now in flight.</summary>
    public void Invalidate(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var key = address.Trim().ToLowerInvariant();
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(key, out _);
        _inFlight.TryRemove(key, out _);
        _domains.Clear();
    }

    /// <inheritdoc />
    /// <summary>Creates or updates an alias; more than <c>MailTumble:MaxTargetsPerAlias</c> targets is a <see cref="FormatException"/>.</summary>
    public Task<bool> UpsertAsync(string address, IReadOnlyList<string> targets, CancellationToken cancellationToken)
    {
        var checkedTargets = AliasTargets.Normalize(targets, _maxTargets);
        return ChangeAsync(address, admin => admin.UpsertAsync(address, checkedTargets, cancellationToken));
    }

    /// <inheritdoc />
    public Task<bool> RemoveAsync(string address, CancellationToken cancellationToken) =>
        ChangeAsync(address, admin => admin.RemoveAsync(address, cancellationToken));

    /// <inheritdoc />
    public Task<bool> SetStatusAsync(string address, AliasStatus status, CancellationToken cancellationToken) =>
        ChangeAsync(address, admin => admin.SetStatusAsync(address, status, cancellationToken));

    /// <inheritdoc />
    public Task<bool> EnableAsync(string address, CancellationToken cancellationToken) =>
        ChangeAsync(address, admin => admin.EnableAsync(address, cancellationToken));

    /// <inheritdoc />
    public Task<bool> SetLabelsAsync(string address, AliasLabels labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var checkedLabels = labels.Checked();
        return ChangeAsync(address, admin => admin.SetLabelsAsync(address, checkedLabels, cancellationToken));
    }

    /// <inheritdoc />
    public Task<bool> RecordFeedbackAsync(string address, string? target, FeedbackKind kind, CancellationToken cancellationToken) =>
        ChangeAsync(address, admin => admin.RecordFeedbackAsync(address, target, kind, cancellationToken));

    /// <inheritdoc />
    public Task<IReadOnlyList<AliasRecord>> ListAsync(string? prefix, string? after, int limit, CancellationToken cancellationToken) =>
        Admin.ListAsync(prefix, after, limit, cancellationToken);

    /// <inheritdoc />
    public async Task<int> ImportAsync(IAsyncEnumerable<AliasImportLine> rows, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        try
        {
            return await Admin.ImportAsync(Checked(rows, _maxTargets), progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Clear();
        }
    }

    private static async IAsyncEnumerable<AliasImportLine> Checked(IAsyncEnumerable<AliasImportLine> rows, int max)
    {
        var row = 0;
        await foreach (var line in rows.ConfigureAwait(false))
        {
            row++;
            try
            {
                AliasTargets.Parse(line.Target, max);
            }
            catch (FormatException ex)
            {
                throw new FormatException($"row {row}: {ex.Message}", ex);
            }

            yield return line;
        }
    }

    private IAliasAdmin Admin => _admin ?? throw new ReadOnlyDirectoryException($"the alias directory ({_inner.GetType().Name}) is read-only; change its source instead");

    private async Task<bool> ChangeAsync(string address, Func<IAliasAdmin, Task<bool>> change)
    {
        var admin = Admin;
        try
        {
            return await change(admin).ConfigureAwait(false);
        }
        finally
        {
            // Invalidate after the write, so a lookup racing with it cannot cache the old answer.
            Invalidate(address);
        }
    }

    private void ClearIfReloaded()
    {
        if (_versioned is null)
        {
            return;
        }

        var version = _versioned.Version;
        if (Interlocked.Exchange(ref _innerVersion, version) != version)
        {
            Clear();
        }
    }

    private void Clear()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
        _inFlight.Clear();
        _domains.Clear();
    }

    private async Task FetchAsync(string key, long generation, TaskCompletionSource<LookupResult> completion)
    {
        LookupResult result;
        try
        {
            result = await _inner.LookupAsync(key, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _inFlight.TryRemove(new KeyValuePair<string, Task<LookupResult>>(key, completion.Task));
            completion.SetException(ex);
            return;
        }

        var ttl = result.Outcome switch
        {
            LookupOutcome.Found => _options.PositiveTtl,
            LookupOutcome.NotFound => _options.NegativeTtl,
            _ => TimeSpan.Zero,
        };
        if (ttl > TimeSpan.Zero && Interlocked.Read(ref _generation) == generation)
        {
            if (_entries.Count >= _options.MaxEntries)
            {
                _entries.Clear();
            }

            _entries[key] = new CacheEntry(result, _time.GetUtcNow() + ttl);
        }

        _inFlight.TryRemove(new KeyValuePair<string, Task<LookupResult>>(key, completion.Task));
        completion.SetResult(result);
    }

    private sealed record CacheEntry(LookupResult Result, DateTimeOffset ExpiresAt);

    private sealed record DomainEntry(bool Has, DateTimeOffset ExpiresAt);
}
