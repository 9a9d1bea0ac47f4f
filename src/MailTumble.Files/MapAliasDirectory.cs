using MailTumble.Core.Addressing;
using MailTumble.Core.Aliases;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Files;

/// <summary>
/// The <c>map</c> alias directory: a static JSON or YAML file, read-only, reloaded when it changes.
/// A broken edit keeps the last good map (and logs why) rather than refusing mail.
/// </summary>
internal sealed partial class MapAliasDirectory : IAliasDirectory, IVersionedAliasDirectory
{
    private readonly MapFileOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MapAliasDirectory> _logger;
    private readonly string _path;
    private readonly Lock _reloadGate = new();
    private volatile AliasMap _map;
    private (DateTime Written, long Length) _stamp;
    private DateTimeOffset _nextCheck;
    private long _version;

    public MapAliasDirectory(IOptions<MapFileOptions> options, TimeProvider time, ILogger<MapAliasDirectory> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _path = Path.GetFullPath(_options.Path!);
        // A map that cannot be read at start stops start-up: the error names the file and line.
        (_map, _stamp) = Load();
        _nextCheck = _time.GetUtcNow() + _options.ReloadCheckInterval;
    }

    /// <summary>Moves on every successful reload, so the cache in front drops what it knew at once.</summary>
    public long Version
    {
        get
        {
            Current();
            return Interlocked.Read(ref _version);
        }
    }

    public ValueTask<LookupResult> LookupAsync(string address, CancellationToken cancellationToken)
    {
        if (!MailAddress.TryParse(address, out var parsed))
        {
            return ValueTask.FromResult(LookupResult.NotFound);
        }

        var rule = Current().Resolve(parsed, _options.SubAddressing ? _options.SubAddressSeparator : null, out var tag);
        return ValueTask.FromResult(rule is null ? LookupResult.NotFound : LookupResult.Found(new AliasRecord(parsed.Value, rule.Target, rule.Status) { Tag = tag, DisplayName = rule.DisplayName, Note = rule.Note }));
    }

    public ValueTask<bool> HasDomainAsync(string domain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return ValueTask.FromResult(Current().OurDomains.Contains(domain.Trim().TrimEnd('.').ToLowerInvariant()));
    }

    private AliasMap Current()
    {
        if (_time.GetUtcNow() < _nextCheck)
        {
            return _map;
        }

        lock (_reloadGate)
        {
            if (_time.GetUtcNow() < _nextCheck)
            {
                return _map;
            }

            _nextCheck = _time.GetUtcNow() + _options.ReloadCheckInterval;
            try
            {
                var info = new FileInfo(_path);
                if (info.Exists && (info.LastWriteTimeUtc, info.Length) != _stamp)
                {
                    (_map, _stamp) = Load();
                    Interlocked.Increment(ref _version);
                    LogReloaded(_logger, _path, _map.Exact.Count + _map.Domains.Count + _map.Users.Count + (_map.CatchAll is null ? 0 : 1));
                }
            }
            catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException)
            {
                LogReloadFailed(_logger, _path, ex.Message);
            }

            return _map;
        }
    }

    private (AliasMap Map, (DateTime, long) Stamp) Load()
    {
        var info = new FileInfo(_path);
        var text = File.ReadAllText(_path);
        return (AliasMap.Parse(text, _path, _options.Domains), (info.LastWriteTimeUtc, info.Length));
    }

    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "Alias map {Path} reloaded: {Rules} rules")]
    private static partial void LogReloaded(ILogger logger, string path, int rules);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Alias map {Path} changed but cannot be read; keeping the previous map: {Reason}")]
    private static partial void LogReloadFailed(ILogger logger, string path, string reason);
}
