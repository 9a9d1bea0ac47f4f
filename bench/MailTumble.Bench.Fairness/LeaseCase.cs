using System.Diagnostics;
using System.Globalization;
using MailTumble.Core.Fairness;
using MailTumble.Core.Queue;
using MailTumble.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MailTumble.Bench.Fairness;

/// <summary>
/// The SQLite queue with many items in many lanes: enqueue them, then time fair leases (round robin over all lanes,
/// batches of 10 as the send-out stage leases when deep) and first-in-first-out leases, and the lane census. Prints
/// the process's resident memory as the queue grows: it must not grow with the number of queued items.
/// </summary>
internal static class LeaseCase
{
    private const int Batch = 10;

    public static async Task<int> RunAsync(Args args)
    {
        var c = CultureInfo.InvariantCulture;
        var items = args.Int("items", 1_000_000);
        var lanes = args.Int("lanes", 1000);
        var leases = args.Int("leases", 2000);
        var dir = args.Get("dir");
        Directory.CreateDirectory(dir);
        var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Warning))
            .AddSingleton(TimeProvider.System)
            .AddMailTumbleSqliteDatabase(o => o.DatabasePath = Path.Combine(dir, "mailtumble.db"))
            .AddMailTumbleSqliteQueue()
            .BuildServiceProvider();
        await using (services.ConfigureAwait(false))
        {
            var queue = services.GetRequiredService<IOutgoingQueue>();
            var rss = new List<string> { $"start {Rss()}" };
            double? anonSmall = null;
            var headers = new byte[400];
            Array.Fill(headers, (byte)'x');
            var now = DateTimeOffset.UtcNow - TimeSpan.FromHours(1);
            var watch = Stopwatch.StartNew();
            for (var done = 0; done < items;)
            {
                var chunk = Enumerable.Range(done, Math.Min(1000, items - done)).Select(i => new OutgoingItem(
                    $"d{i:D8}", $"m{i:D8}", "x7g2@mask.example.com", "john@real.example.org", "bounces@mask.example.com", headers, 400,
                    now + TimeSpan.FromMilliseconds(i / 100), now + TimeSpan.FromDays(5), Lane: $"sender{i % lanes:D5}.example")).ToList();
                await queue.EnqueueAsync(chunk, default).ConfigureAwait(false);
                done += chunk.Count;
                if (done == 10_000 || done == items / 10)
                {
                    rss.Add(string.Create(c, $"{done:N0} queued {Rss()}"));
                    anonSmall ??= AnonMb();
                }
            }

            var enqueueRate = items / watch.Elapsed.TotalSeconds;
            rss.Add(string.Create(c, $"{items:N0} queued {Rss()}"));
            var growth = AnonMb() - (anonSmall ?? 0);

            var census = Stopwatch.StartNew();
            var counted = await queue.GetLaneCensusAsync(new LaneCensusQuery(10), default).ConfigureAwait(false);
            var censusMs = census.Elapsed.TotalMilliseconds;

            var listCpu = Cpu();
            var listWatch = Stopwatch.StartNew();
            for (var i = 0; i < leases; i++)
            {
                await queue.ListDueLanesAsync($"sender{i % lanes:D5}.example", 40, default).ConfigureAwait(false);
            }

            var listUs = (listWatch.Elapsed.TotalMilliseconds * 1000 / leases, (Cpu() - listCpu).TotalMilliseconds * 1000 / leases);

            using var leaser = new FairLeaser(queue, Options.Create(new FairnessOptions()));
            var fair = await TimeAsync(() => leaser.LeaseAsync(Batch, TimeSpan.FromHours(1), default), leases).ConfigureAwait(false);
            var fifo = await TimeAsync(() => queue.LeaseAsync(Batch, TimeSpan.FromHours(1), default), leases).ConfigureAwait(false);
            var single = await TimeAsync(() => leaser.LeaseAsync(1, TimeSpan.FromHours(1), default), leases).ConfigureAwait(false);
            rss.Add($"after leasing {Rss()}");

            Console.WriteLine(string.Create(c, $"""
                lease case: {items:N0} items in {lanes:N0} lanes (SQLite, {new FileInfo(Path.Combine(dir, "mailtumble.db")).Length / 1048576.0:0} MB file), enqueued at {enqueueRate:N0}/s
                  fair lease (round robin, batches of {Batch}): {fair.MsPerItem * 1000:0} us per item ({fair.CpuMsPerItem * 1000:0} us CPU), {fair.Lanes} lanes served in {leases * Batch:N0} items
                  fair lease (batches of 1):                   {single.MsPerItem * 1000:0} us per item ({single.CpuMsPerItem * 1000:0} us CPU)
                  FIFO lease (batches of {Batch}):               {fifo.MsPerItem * 1000:0} us per item ({fifo.CpuMsPerItem * 1000:0} us CPU)
                  due-lane listing (40 lanes from a cursor): {listUs.Item1:0} us ({listUs.Item2:0} us CPU)
                  lane census ({counted.Lanes:N0} lanes, {counted.DueLanes:N0} due): {censusMs:0.0} ms
                  RSS: {string.Join(", ", rss)}
                  goals: fair lease under 1 ms per item: {fair.MsPerItem * 1000:0} us [{(fair.MsPerItem < 1 && single.MsPerItem < 1 ? "ok" : "MISS")}]; memory held (anon RSS) from {Math.Min(10_000, items):N0} to {items:N0} queued: {growth:+0;-0} MB (at most 16, i.e. not growing with the items) [{(growth <= 16 ? "ok" : "MISS")}]
                """));
        }

        return 0;
    }

    /// <summary>Wall time per leased item, CPU time of this process per item, and how many lanes were served.</summary>
    private static async Task<(double MsPerItem, double CpuMsPerItem, int Lanes)> TimeAsync(Func<Task<IReadOnlyList<LeasedItem>>> lease, int times)
    {
        var total = 0;
        var lanes = new HashSet<string>(StringComparer.Ordinal);
        var cpu = Cpu();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < times; i++)
        {
            foreach (var item in await lease().ConfigureAwait(false))
            {
                total++;
                lanes.Add(item.Item.Lane);
            }
        }

        return (watch.Elapsed.TotalMilliseconds / Math.Max(1, total), (Cpu() - cpu).TotalMilliseconds / Math.Max(1, total), lanes.Count);
    }

    private static TimeSpan Cpu()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    /// <summary>Anonymous resident memory (heap and native allocations) after a full collection, in MB.</summary>
    private static double AnonMb()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("RssAnon:", StringComparison.Ordinal)) : null;
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static string Rss()
    {
        // Aggressive: the runtime also gives freed heap memory back, so what is left is what the process really holds.
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        // RSS split as Linux counts it: anonymous (heap, native allocations) and file/shared pages (the database's
        // pages the kernel maps in, dropped under memory pressure): only the first is memory the process holds.
        var status = File.Exists("/proc/self/status") ? File.ReadAllLines("/proc/self/status") : [];
        string Kb(string key) => status.FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal)) is { } line
            ? string.Create(CultureInfo.InvariantCulture, $"{long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0:0}")
            : "?";
        return string.Create(CultureInfo.InvariantCulture, $"{process.WorkingSet64 / 1048576.0:0} MB (anon {Kb("RssAnon")}, file {Kb("RssFile")}, shmem {Kb("RssShmem")}, managed heap {GC.GetTotalMemory(true) / 1048576.0:0})");
    }
}
