using MailTumble.Bench.Sink;
using SmtpServer;
using SmtpServer.ComponentModel;

// A provider stand-in for bench/pacing: rate limit with 454 replies, timestamps, and an outage.
var options = SinkOptions.Parse(args);
using var log = new StreamWriter(options.Log, append: false) { AutoFlush = true };
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

var accepted = 0;
var listeners = new DroppingListenerFactory();
var outage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
var store = new ProviderStore(options, log, () =>
{
    if (Interlocked.Increment(ref accepted) == options.DownAfter)
    {
        outage.TrySetResult();
    }
});

while (!stop.IsCancellationRequested)
{
    var serverOptions = new SmtpServerOptionsBuilder()
        .ServerName("provider.bench.test")
        // SmtpServer ends every session after 2 minutes by default, active or not, answering a transaction caught in
        // the middle of DATA with a bare "554" (permanent, so the relay dead-letters it). No provider cuts a busy
        // connection that way, and the relay keeps its connections for as long as they work: no session limit here.
        .Endpoint(b => b.Endpoint(options.Listen).SessionTimeout(TimeSpan.FromDays(1)))
        .Build();
    var services = new ServiceProvider();
    services.Add(store);
    services.Add((SmtpServer.Net.IEndpointListenerFactory)listeners);
    var server = new SmtpServer.SmtpServer(serverOptions, services);
    // A session that fails closes its connection: log why ("X ms reason"), so a lost delivery can be told apart from the relay's fault.
    server.SessionFaulted += (_, e) => store.Fault(e.Exception);
    using var running = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
    var task = server.StartAsync(running.Token);
    Console.WriteLine($"sink listening on {options.Listen} (limit {(options.Limit > 0 ? options.Limit + "/s" : "none")})");
    await Task.WhenAny(outage.Task, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
    listeners.DropAll();
    await running.CancelAsync();
    try
    {
        await task;
    }
    catch (OperationCanceledException)
    {
    }

    if (stop.IsCancellationRequested)
    {
        break;
    }

    log.WriteLine("D " + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    Console.WriteLine($"sink down for {options.DownFor.TotalSeconds} s");
    outage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    await Task.Delay(options.DownFor, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    log.WriteLine("U " + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
}
