namespace MailTumble.Web.Live;

/// <summary>The last <c>capacity</c> samples, oldest overwritten first. Thread-safe.</summary>
internal sealed class RingBuffer
{
    private readonly LiveSample[] _items;
    private readonly Lock _lock = new();
    private int _next;
    private int _count;

    public RingBuffer(int capacity) => _items = new LiveSample[capacity];

    public int Capacity => _items.Length;

    public void Add(LiveSample sample)
    {
        lock (_lock)
        {
            _items[_next] = sample;
            _next = (_next + 1) % _items.Length;
            _count = Math.Min(_count + 1, _items.Length);
        }
    }

    /// <summary>The last sample, if any.</summary>
    public LiveSample? Last
    {
        get
        {
            lock (_lock)
            {
                return _count == 0 ? null : _items[(_next - 1 + _items.Length) % _items.Length];
            }
        }
    }

    /// <summary>Samples newer than <paramref name="after"/> (Unix seconds), oldest first.</summary>
    public IReadOnlyList<LiveSample> Since(long after)
    {
        lock (_lock)
        {
            var list = new List<LiveSample>(_count);
            for (var i = 0; i < _count; i++)
            {
                var sample = _items[(_next - _count + i + _items.Length) % _items.Length];
                if (sample.At > after)
                {
                    list.Add(sample);
                }
            }

            return list;
        }
    }
}
