using LeeMl.Sweep.Experiments.Functions;
using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Results;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Experiments.Trials;

namespace LeeMl.Sweep.Experiments.Tests.Functions;

public sealed class FunctionTrialTests
{
    [Fact]
    public void Each_function_takes_its_known_minimum_at_its_known_minimiser()
    {
        foreach (var x1 in new[] { -Math.PI, Math.PI, 9.42478 })
            Assert.Equal(0.397887357729738, TestFunction.Branin(x1, x1 switch { < 0 => 12.275, < 4 => 2.275, _ => 2.475 }), 5);
        Assert.Equal(-3.32236801141551, TestFunction.Hartmann6([0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573]), 5);
        Assert.Equal(0, TestFunction.Rosenbrock([1, 1, 1, 1, 1]), 12);
        Assert.Equal(0, TestFunction.Levy([1, 1, 1]), 12);
        Assert.True(TestFunction.Rosenbrock([0, 0]) > 0 && TestFunction.Levy([0, 0]) > 0 && TestFunction.Hartmann6([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]) > -3.3);
    }

    [Fact]
    public void A_function_trial_reports_one_step_with_its_value_and_a_noisy_one_the_same_value_on_every_run()
    {
        var spec = SpecParser.Parse("""
            name: r
            function: { name: rosenbrock, dimensions: 3, noise: 0.5 }
            seeds: [1, 2]
            grid: { x1: [1, 2], x2: 1, x3: { uniform: [0, 2] } }
            search: { method: random, samples: 2, seed: 4 }
            """, "r.yaml");
        Assert.Equal("function", spec.Kind);
        Assert.Equal(new Experiments.Programs.ProgramObjective("value", false), spec.Objective);
        var plan = new TrialPlan(spec);
        Assert.Equal(2 * 2 * 2, plan.Count);
        var trial = plan.At(0);
        Assert.StartsWith("function(x1=1, x2=1, x3=", trial.Key);
        TrialResult Run()
        {
            using var t = TrialKinds.Of(spec).Start(spec, trial, null!, new Experiments.Programs.TrialHost(null, []));
            var steps = new List<EpochResult>();
            t.RunUntil(spec.Epochs, steps.Add, CancellationToken.None);
            Assert.True(t.IsOver);
            Assert.Single(steps);
            return t.Result();
        }
        var a = Run();
        Assert.Equal(TrialOutcome.Completed, a.Outcome);
        var x3 = double.Parse(a.Params!["x3"], System.Globalization.CultureInfo.InvariantCulture);
        var clean = TestFunction.Rosenbrock([1, 1, x3]);
        Assert.NotEqual(clean, a.Objective!.Value);   // noise of its own seed
        Assert.InRange(a.Objective.Value - clean, -3, 3);
        Assert.Equal(a.Metrics!["value"], a.Objective.Value);
        Assert.Equal(ResultJson.Line(a), ResultJson.Line(Run()));
        Assert.DoesNotContain("\"sample\"", ResultJson.Line(a));   // only a TPE trial's line says its sample
    }

    [Theory]
    [InlineData("function: { name: sphere }", "unknown function 'sphere'; known: branin, hartmann6, rosenbrock, levy")]
    [InlineData("function: { name: levy }", "levy needs 'dimensions'")]
    [InlineData("function: { name: branin, dimensions: 3 }", "branin has 2 dimensions")]
    [InlineData("function: { name: branin }\ndata: { synthetic: moons }", "unknown key 'data' for a function sweep")]
    [InlineData("function: { name: branin }\nprogram: { command: [x] }", "a spec has a function or a program, not both")]
    [InlineData("function: { name: branin }\nobjective: { metric: loss }", "unknown metric 'loss'; known: value")]
    public void Bad_function_specs_are_refused_with_their_line(string function, string message)
    {
        var text = $"name: f\n{function}\ngrid: {{ x1: {{ uniform: [-5, 10] }}, x2: {{ uniform: [0, 15] }} }}\nsearch: {{ method: random, samples: 3 }}\n";
        var e = Assert.Throws<SpecException>(() => SpecParser.Parse(text, "f.yaml"));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("f.yaml:", e.Message);
    }

    [Fact]
    public void The_grid_must_give_exactly_the_functions_arguments_as_numbers()
    {
        var missing = Assert.Throws<SpecException>(() => SpecParser.Parse("name: f\nfunction: { name: branin }\ngrid: { x1: 0 }\n", "f.yaml"));
        Assert.Contains("takes the arguments x1, x2; the grid gives x1", missing.Message);
        var text = Assert.Throws<SpecException>(() => SpecParser.Parse("name: f\nfunction: { name: branin }\ngrid: { x1: 0, x2: abc }\n", "f.yaml"));
        Assert.Contains("the function takes numbers", text.Message);
    }
}
