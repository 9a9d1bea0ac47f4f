using System.Globalization;
using System.Net;

namespace MailTumble.Bench.Sink;

/// <summary>Command-line options of the benchmark sink.</summary>
internal sealed record SinkOptions(IPEndPoint Listen, int Limit, string Log, int DownAfter, TimeSpan DownFor)
{
    public static SinkOptions Parse(string[] args)
    {
        var listen = new IPEndPoint(IPAddress.Loopback, 2600);
        var limit = 0;
        var log = "sink.log";
        var downAfter = 0;
        var downFor = TimeSpan.Zero;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--listen": listen = IPEndPoint.Parse(value); break;
                case "--limit": limit = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--log": log = value; break;
                case "--down-after": downAfter = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--down-for": downFor = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
                default: throw new ArgumentException($"unknown option {args[i]}");
            }

            i++;
        }

        if (!IPAddress.IsLoopback(listen.Address))
        {
            throw new ArgumentException("the benchmark sink only listens on loopback");
        }

        return new SinkOptions(listen, limit, log, downAfter, downFor);
    }
}
