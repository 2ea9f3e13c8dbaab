using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/LeeMl.Sweep.Bench -- --filter '*'   (docs/benchmarks.md lists each run)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
