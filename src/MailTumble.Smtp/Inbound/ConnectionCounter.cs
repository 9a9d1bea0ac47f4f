using System.Collections.Concurrent;
using System.Net;

namespace MailTumble.Smtp.Inbound;

/// <summary>Open sessions, in all and per client address, so one client cannot take every slot.</summary>
internal sealed class ConnectionCounter(int max, int maxPerAddress)
{
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private int _active;

    public int Active => Volatile.Read(ref _active);

    /// <summary>Takes a slot for <paramref name="address"/>; null when granted, else the reason for the 421.</summary>
    public string? TryEnter(IPAddress address)
    {
        if (Interlocked.Increment(ref _active) > max)
        {
            Interlocked.Decrement(ref _active);
            return "4.7.0 Too many connections, try again later";
        }

        address = Normalise(address);
        var count = _perAddress.AddOrUpdate(address, 1, static (_, n) => n + 1);
        if (count > maxPerAddress)
        {
            Leave(address);
            return $"4.7.0 Too many connections from your address (at most {maxPerAddress}), try again later";
        }

        return null;
    }

    public void Leave(IPAddress address)
    {
        address = Normalise(address);
        while (_perAddress.TryGetValue(address, out var count))
        {
            if (count <= 1 ? _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, count)) : _perAddress.TryUpdate(address, count - 1, count))
            {
                break;
            }
        }

        Interlocked.Decrement(ref _active);
    }

    private static IPAddress Normalise(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
