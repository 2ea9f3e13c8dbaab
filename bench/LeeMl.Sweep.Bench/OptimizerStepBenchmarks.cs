using System.Numerics;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Hyper;
using LeeMl.Sweep.Optim.Optimizers;
using LeeMl.Sweep.Optim.Schedules;

namespace LeeMl.Sweep.Bench;

/// <summary>
/// One optimizer step on 10^6 parameters against the floor it cannot beat: streaming the same
/// arrays once (read x, g, m, v; write x, m, v) with trivial arithmetic. Goal: Adam ≤ 1.5× that.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 5, iterationCount: 20)]
public class OptimizerStepBenchmarks
{
    private const int N = 1_000_000;
    private double[] _x = [], _g = [], _m = [], _v = [];
    private Optimizer _adam = null!, _sgdm = null!, _amsgrad = null!;
    private Updater _adamOneCycle = null!;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _x = Enumerable.Range(0, N).Select(_ => rng.NextDouble()).ToArray();
        _g = Enumerable.Range(0, N).Select(_ => rng.NextDouble() - 0.5).ToArray();
        _m = new double[N];
        _v = new double[N];
        _adam = OptimizerCatalog.Create(new ComponentSpec("adam").With("lr", 1e-6), N);
        _amsgrad = OptimizerCatalog.Create(new ComponentSpec("amsgrad").With("lr", 1e-6), N);
        _sgdm = OptimizerCatalog.Create(new ComponentSpec("sgdm").With("lr", 1e-6), N);
        _adamOneCycle = Updater.Create(new ComponentSpec("adam").With("lr", 1e-6), N, new ComponentSpec("one-cycle"), totalSteps: 1_000_000);
    }

    [Benchmark(Baseline = true, Description = "stream x,g,m,v once")]
    public void StreamOnce()
    {
        var xs = MemoryMarshal.Cast<double, Vector<double>>(_x.AsSpan());
        var gs = MemoryMarshal.Cast<double, Vector<double>>(_g.AsSpan());
        var ms = MemoryMarshal.Cast<double, Vector<double>>(_m.AsSpan());
        var vs = MemoryMarshal.Cast<double, Vector<double>>(_v.AsSpan());
        for (var k = 0; k < xs.Length; k++)
        {
            var g = gs[k];
            ms[k] += g;
            vs[k] += g;
            xs[k] -= g;
        }
    }

    [Benchmark(Description = "adam step")]
    public void AdamStep() => _adam.Step(_x, _g);

    [Benchmark(Description = "amsgrad step")]
    public void AmsGradStep() => _amsgrad.Step(_x, _g);

    [Benchmark(Description = "sgdm step")]
    public void SgdmStep() => _sgdm.Step(_x, _g);

    [Benchmark(Description = "adam + one-cycle step")]
    public void AdamOneCycleStep() => _adamOneCycle.Apply(_x, _g);
}

/// <summary>Schedules are evaluated once per step: they must be cheap and allocate nothing.</summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class ScheduleBenchmarks
{
    private ISchedule _oneCycle = null!, _warmupCosine = null!, _cyclic = null!, _restarts = null!;
    private long _t;

    [GlobalSetup]
    public void Setup()
    {
        var ctx = new ScheduleContext(0.1, 100_000);
        _oneCycle = ScheduleCatalog.Create(new ComponentSpec("one-cycle").With("three_phase", new ParamValue.Flag(true)), ctx);
        _warmupCosine = ScheduleCatalog.Create(ComponentSpec.FromPairs("warmup-linear", [new("warmup_steps", "100"), new("then", "cosine")]), ctx);
        _cyclic = ScheduleCatalog.Create(ComponentSpec.FromPairs("cyclic", [new("step_size_up", "200"), new("mode", "triangular2")]), ctx);
        _restarts = ScheduleCatalog.Create(ComponentSpec.FromPairs("cosine-restarts", [new("T_0", "10"), new("T_mult", "2")]), ctx);
    }

    private long NextStep() => _t = (_t + 7919) % 100_000;

    [Benchmark] public double OneCycleThreePhase() => _oneCycle.LearningRate(NextStep());
    [Benchmark] public double WarmupCosine() => _warmupCosine.LearningRate(NextStep());
    [Benchmark] public double CyclicTriangular2() => _cyclic.LearningRate(NextStep());
    [Benchmark] public double CosineRestarts() => _restarts.LearningRate(NextStep());
}
