using System.CommandLine;
using System.Globalization;
using MailTumble.Core.Cluster;
using Microsoft.Extensions.DependencyInjection;

namespace MailTumble.Cli;

/// <summary><c>cluster nodes</c>: the live nodes sharing this backend's rate budget.</summary>
internal static class ClusterCommands
{
    public static Command Create(CliContext context)
    {
        var cluster = new Command("cluster", "The nodes sharing this backend");
        var nodes = new Command("nodes", "Live nodes: their share of MAXIMUM_SEND_RATE, whether they have mail to send, their last heartbeat");
        nodes.SetAction((_, ct) => context.RunAsync(async services =>
        {
            var list = await services.GetRequiredService<IRateBudget>().ListNodesAsync(ct).ConfigureAwait(false);
            await context.Out.WriteAsync(Format(list, services.GetRequiredService<TimeProvider>().GetUtcNow())).ConfigureAwait(false);
            return ExitCodes.Ok;
        }));
        cluster.Subcommands.Add(nodes);
        return cluster;
    }

    internal static string Format(IReadOnlyList<ClusterNode> nodes, DateTimeOffset now)
    {
        var c = CultureInfo.InvariantCulture;
        if (nodes.Count == 0)
        {
            return "no live nodes (no serve is sending on this backend)\n";
        }

        string[] header = ["node", "host", "share/s", "demand", "sending/s", "last heartbeat"];
        var rows = nodes.Select(n => new[]
        {
            n.NodeId,
            n.Host,
            n.Share.ToString("0.##", c),
            n.Demand ? "yes" : "no",
            n.Status is { } s ? s.Rate.ToString("0.##", c) : "-",
            string.Create(c, $"{n.LastHeartbeat.UtcDateTime:u} ({Math.Max(0, (now - n.LastHeartbeat).TotalSeconds):0.0} s ago)"),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        var lines = new List<string>
        {
            string.Create(c, $"{nodes.Count} live node(s), {nodes.Sum(n => n.Share):0.##}/s in all"),
            string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd(),
        };
        lines.AddRange(rows.Select(r => string.Join("  ", r.Select((v, i) => v.PadRight(widths[i]))).TrimEnd()));
        return string.Join('\n', lines) + "\n";
    }
}
