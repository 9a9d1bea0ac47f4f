using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(MailTumble.Benchmarks.RewriteBenchmarks).Assembly).Run(args);
