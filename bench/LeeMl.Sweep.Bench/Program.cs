using BenchmarkDotNet.Running;
using LeeMl.Sweep.Bench;

// Whole-process measurements by name; anything else goes to BenchmarkDotNet:
//   dotnet run -c Release --project bench/LeeMl.Sweep.Bench -- --filter '*'      (docs/benchmarks.md lists each run)
return args.FirstOrDefault() switch
{
    "node" => EngineBench.Node(args[1..]),
    "engine" => await EngineBench.Engine(),
    "engine-100k" => await EngineBench.EngineAtScale(),
    "many-jobs" => await EngineBench.ManyJobs(),
    "scale" => ScaleBench.Run(),
    "whole-jobs" => ScaleBench.WholeJobs(),
    "programs" => ProgramBench.Run(),
    "programs-local" => ProgramBench.Local(),
    "search" => SearchBench.Run(),
    "tpe" => await TpeBench.Run(),
    "tpe-proposal" => TpeBench.ProposalTime(),
    "tpe-adult" => await TpeBench.Adult(),
    "dashboard" => await DashboardBench.Run(),
    "throughput" => await EngineBench.Throughput(),
    "scaling" => await EngineBench.Scaling(),
    "memory" => EngineBench.Memory(),
    "adult-accuracy" => EngineBench.AdultAccuracy(),
    "store" => await StoreBench.Run(),
    "lecture-floor" => LectureFloorBench.Run(args[1..]),
    _ => Run(args),
};

static int Run(string[] args)
{
    BenchmarkSwitcher.FromAssembly(typeof(EngineBench).Assembly).Run(args);
    return 0;
}
