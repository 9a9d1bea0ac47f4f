using System.Diagnostics;

namespace MailTumble.Testing;

/// <summary>
/// The one way tests wait: poll a fact until it holds or a deadline passes, then fail with what was last seen.
/// Tests never sleep to let something happen; absence is shown by a control that did happen.
/// </summary>
public static class Eventually
{
    /// <summary>The deadline used when a test names none (generous: CI machines are shared and slow).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Waits until <paramref name="condition"/> is true.</summary>
    public static Task TrueAsync(Func<bool> condition, string because, TimeSpan? timeout = null) =>
        TrueAsync(() => Task.FromResult(condition()), because, timeout);

    /// <summary>Waits until <paramref name="condition"/> is true.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null) =>
        await ValueAsync(condition, ok => ok, because, timeout).ConfigureAwait(false);

    /// <summary>Reads <paramref name="probe"/> until <paramref name="until"/> accepts its value; returns that value.</summary>
    public static async Task<T> ValueAsync<T>(Func<Task<T>> probe, Func<T, bool> until, string because, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(until);
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(5);
        T last;
        Exception? lastError = null;
        while (true)
        {
            try
            {
                last = await probe().ConfigureAwait(false);
                if (until(last))
                {
                    return last;
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                last = default!;
                lastError = ex;
            }

            if (clock.Elapsed > limit)
            {
                var seen = lastError is null ? "last value: " + Describe(last) : $"last error: {lastError.GetType().Name}: {lastError.Message}";
                throw new TimeoutException($"not true within {limit.TotalSeconds:0.#} s: {because} ({seen})");
            }

            await Task.Delay(pause).ConfigureAwait(false);
            pause = TimeSpan.FromMilliseconds(Math.Min(100, pause.TotalMilliseconds * 2));
        }
    }

    /// <summary>Reads <paramref name="probe"/> until <paramref name="until"/> accepts its value; returns that value.</summary>
    public static Task<T> ValueAsync<T>(Func<T> probe, Func<T, bool> until, string because, TimeSpan? timeout = null) =>
        ValueAsync(() => Task.FromResult(probe()), until, because, timeout);

    /// <summary>A value for the timeout message: collections by their items (the first 20), not by their type name.</summary>
    private static string Describe(object? value) => value switch
    {
        null => "null",
        string text => '"' + text + '"',
        System.Collections.IDictionary map => "{" + string.Join(", ", map.Keys.Cast<object?>().Take(20).Select(k => $"{k}: {map[k!]}")) + (map.Count > 20 ? ", …" : string.Empty) + "}",
        System.Collections.IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Take(21).Select((item, i) => i == 20 ? "…" : item?.ToString() ?? "null")) + "]",
        _ => value.ToString() ?? string.Empty,
    };
}
