using MailTumble.Bench.Fairness;

// bench/fairness helpers: a free port, the trickle of other senders, the report, and the SQLite lease case.
return args.FirstOrDefault() switch
{
    "free-port" => FreePort.Print(),
    "trickle" => await Trickle.RunAsync(Args.Parse(args[1..])),
    "report" => Report.Run(Args.Parse(args[1..])),
    "leases" => await LeaseCase.RunAsync(Args.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MailTumble.Bench.Fairness free-port | trickle --port P --to ALIAS --log FILE [--domains 5 --every 2 --for 60] | report --provider FILE --queued FILE --relay-log FILE --rate R --label TEXT | leases --dir DIR [--items 1000000 --lanes 1000]");
    return 64;
}
