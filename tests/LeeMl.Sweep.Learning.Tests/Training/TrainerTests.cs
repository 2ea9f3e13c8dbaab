using LeeMl.Sweep.Learning.Data;
using LeeMl.Sweep.Learning.Models;
using LeeMl.Sweep.Learning.Training;
using LeeMl.Sweep.Optim;
using LeeMl.Sweep.Optim.Hyper;
using Xunit.Abstractions;

namespace LeeMl.Sweep.Learning.Tests.Training;

public sealed class TrainerTests(ITestOutputHelper output)
{
    private static ComponentSpec Sgd(double lr) => new ComponentSpec("sgd").With("lr", lr);

    [Fact]
    public void Square_error_stalls_far_from_the_optimum_where_cross_entropy_learns()
    {
        // The lecture's point: start far away (large weights of the wrong sign); the square error's
        // gradient carries σ(1−σ) ≈ 0 there, cross-entropy's does not.
        var data = Synthetic.Blobs(400, 4, separation: 4, labelNoise: 0, seed: 2);
        var start = new double[5];
        var reference = Assert.IsType<ModelKind.Differentiable>(ModelCatalog.Create(new ComponentSpec("logistic"), 4, 2));
        var (good, goodModel) = TestData.Train("logistic", data, null, Sgd(0.5), epochs: 30, batch: 400);
        for (var j = 0; j < 4; j++) start[j] = -20 * good.Parameters[j] / Math.Sqrt(good.Parameters.Take(4).Sum(w => w * w));
        (FitResult Fit, IDifferentiableModel Model) Run(string model)
        {
            var kind = Assert.IsType<ModelKind.Differentiable>(ModelCatalog.Create(new ComponentSpec(model), 4, 2));
            var options = new TrainOptions(30, 400, InitialParameters: start);
            return (Trainer.Fit(kind.Model, Updater.Create(Sgd(0.5), 5), data, null, options), kind.Model);
        }
        var (ce, _) = Run("logistic");
        var (mse, _) = Run("logistic-mse");
        output.WriteLine($"cross-entropy: acc {ce.Curve[^1].TrainAccuracy:P1}, first grad norm {ce.Curve[0].GradientNorm:E2}; square error: acc {mse.Curve[^1].TrainAccuracy:P1}, grad norm {mse.Curve[0].GradientNorm:E2}");
        Assert.True(ce.Curve[^1].TrainAccuracy > 0.95);
        Assert.True(mse.Curve[^1].TrainAccuracy < 0.10, "square error should still be stuck at the wrong answer");
        Assert.True(mse.Curve[0].GradientNorm < ce.Curve[0].GradientNorm / 100, "square error's gradient nearly vanishes there");
    }

    [Fact]
    public void Same_seed_same_numbers_bit_for_bit_and_another_seed_differs()
    {
        var data = Synthetic.Moons(300, seed: 4);
        var mlp = new ComponentSpec("mlp").With("hidden", 16).With("dropout", 0.1);
        double[] Run(ulong seed) => TestData.Train("mlp", data, null, new ComponentSpec("adam").With("lr", 0.01), 5, 32, seed, modelSpec: mlp).Fit.Parameters;
        Assert.Equal(Run(1), Run(1));
        Assert.NotEqual(Run(1), Run(2));
    }

    [Fact]
    public void Mlp_beats_a_linear_model_on_two_moons()
    {
        var (train, val) = Splits.Stratified(Synthetic.Moons(1000, noise: 0.15, seed: 5), 0.2, 1);
        var (lin, _) = TestData.Train("logistic", train, val, new ComponentSpec("adam").With("lr", 0.05), 40, 32);
        var (mlp, _) = TestData.Train("mlp", train, val, new ComponentSpec("adam").With("lr", 0.01), 40, 32, modelSpec: new ComponentSpec("mlp").With("hidden", 32));
        output.WriteLine($"moons validation: logistic {lin.Curve[^1].ValidationAccuracy:P1}, mlp {mlp.Curve[^1].ValidationAccuracy:P1}");
        Assert.True(mlp.Curve[^1].ValidationAccuracy > lin.Curve[^1].ValidationAccuracy + 0.05);
    }

    [Fact]
    public void A_diverging_training_ends_as_diverged_with_its_epoch()
    {
        var data = Synthetic.Blobs(200, 4, seed: 6);
        var (fit, _) = TestData.Train("mlp", data, null, new ComponentSpec("sgd").With("lr", 1e6), 10, 20, modelSpec: new ComponentSpec("mlp").With("hidden", 8));
        Assert.Equal(Outcome.Diverged, fit.Outcome);
        Assert.InRange(fit.DivergedEpoch!.Value, 1, 10);
    }

    [Fact]
    public void Warmup_holds_the_first_steps_small_and_rescues_a_rate_that_diverges_cold()
    {
        // SGDM at a high rate on a freshly initialised MLP: without warm-up the first steps use the
        // full rate and throw the network into a bad region it does not leave in 5 epochs; with a
        // 150-step linear warm-up the same rate trains. (Seeded: the same numbers every run.)
        var data = Synthetic.Blobs(1000, 8, seed: 7);
        var model = new ComponentSpec("mlp").With("hidden", 64);
        var opt = new ComponentSpec("sgdm").With("lr", 1.0);
        var (cold, _) = TestData.Train("mlp", data, null, opt, 5, 32, 3, modelSpec: model);
        var warm = ComponentSpec.FromPairs("warmup-linear", [new("warmup_steps", "150"), new("then", "constant")]);
        var (warmFit, _) = TestData.Train("mlp", data, null, opt, 5, 32, 3, schedule: warm, modelSpec: model);
        output.WriteLine($"cold: {cold.Outcome} loss {cold.Curve.LastOrDefault()?.TrainLoss}; warm: {warmFit.Outcome} loss {warmFit.Curve[^1].TrainLoss}, lr after epoch 1 {warmFit.Curve[0].LearningRate}");
        Assert.Equal(Outcome.Completed, warmFit.Outcome);
        Assert.True(warmFit.Curve[0].LearningRate < 0.25, "still warming up after the first epoch (32 steps)");
        Assert.True(cold.Outcome == Outcome.Diverged || cold.Curve[^1].TrainLoss > 1.5 * warmFit.Curve[^1].TrainLoss,
            "without warm-up the same rate should diverge or end far worse");
    }

    [Fact]
    public void Curriculum_trains_on_the_easiest_rows_first_then_on_all()
    {
        var data = Synthetic.Blobs(400, 4, separation: 1.5, labelNoise: 0.2, seed: 8);
        var score = Trainer.DistanceToClassMean(data);
        var kind = Assert.IsType<ModelKind.Differentiable>(ModelCatalog.Create(new ComponentSpec("logistic"), 4, 2));
        var seen = new List<int>();
        var options = new TrainOptions(6, 50, Seed: 1, Curriculum: score, CurriculumEpochs: 3);
        var steps = new List<long>();
        var fit = Trainer.Fit(kind.Model, Updater.Create(Sgd(0.1), 5), data, null, options, m => steps.Add(m.Step));
        // Rows used per epoch: 1/4, 2/4, 3/4 of 400 → 2, 4, 6 batches of 50; then all → 8 batches.
        Assert.Equal([2L, 6, 12, 20, 28, 36], steps);
        Assert.Equal(Outcome.Completed, fit.Outcome);
        // The easiest quarter really is easier: a model fitted on it alone is more accurate there.
        var easiest = score.Select((s, i) => (s, i)).OrderBy(t => t.s).Take(100).Select(t => t.i).ToArray();
        var hardest = score.Select((s, i) => (s, i)).OrderByDescending(t => t.s).Take(100).Select(t => t.i).ToArray();
        var acc = (int[] rows) => Classifiers.Evaluate(kind.Model, fit.Parameters, data.Subset(rows)).Accuracy;
        Assert.True(acc(easiest) > acc(hardest) + 0.1);
    }

    [Fact]
    public void Fine_tuning_starts_from_the_pretrained_parameters()
    {
        // Pre-train on one dataset, fine-tune on a shifted one: the first epoch already starts
        // from a good place, unlike training from scratch.
        var source = Synthetic.Blobs(600, 6, separation: 4, labelNoise: 0, seed: 10);
        var target = source.Subset(Enumerable.Range(0, 200).ToArray());
        var (pre, _) = TestData.Train("logistic", source, null, Sgd(0.2), 20, 50);
        var kind = Assert.IsType<ModelKind.Differentiable>(ModelCatalog.Create(new ComponentSpec("logistic"), 6, 2));
        var tuned = Trainer.Fit(kind.Model, Updater.Create(Sgd(0.0001), 7), target, null, new TrainOptions(1, 50, InitialParameters: pre.Parameters));
        var scratch = Trainer.Fit(kind.Model, Updater.Create(Sgd(0.0001), 7), target, null, new TrainOptions(1, 50));
        Assert.True(tuned.Curve[0].TrainAccuracy > 0.9, $"tuned accuracy {tuned.Curve[0].TrainAccuracy}");
        Assert.True(tuned.Curve[0].TrainLoss < scratch.Curve[0].TrainLoss - 0.3, $"tuned {tuned.Curve[0].TrainLoss}, scratch {scratch.Curve[0].TrainLoss}");
        Assert.Throws<ArgumentException>(() => Trainer.Fit(kind.Model, Updater.Create(Sgd(0.1), 7), target, null, new TrainOptions(1, 50, InitialParameters: new double[3])));
    }

    [Fact]
    public void The_batch_loop_allocates_nothing()
    {
        var data = Synthetic.Blobs(2000, 16, classes: 3, seed: 11);
        var kind = Assert.IsType<ModelKind.Differentiable>(ModelCatalog.Create(new ComponentSpec("mlp").With("hidden", 16), 16, 3));
        var p = new double[kind.Model.ParameterCount];
        var g = new double[p.Length];
        var rng = new LeeMl.Sweep.Optim.Noise.Xoshiro256(1);
        kind.Model.Initialize(p, ref rng);
        var updater = Updater.Create(new ComponentSpec("adam"), p.Length);
        var rows = Enumerable.Range(0, 2000).ToArray();
        for (var i = 0; i < 300; i++)   // steady state: past the JIT's one-time tier-up work
        {
            kind.Model.LossAndGradient(p, data, rows.AsSpan(0, 32), g, true);
            updater.Apply(p, g);
        }
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var b = 0; b < 2000; b += 32)
        {
            kind.Model.LossAndGradient(p, data, rows.AsSpan(b, Math.Min(32, 2000 - b)), g, true);
            updater.Apply(p, g);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
