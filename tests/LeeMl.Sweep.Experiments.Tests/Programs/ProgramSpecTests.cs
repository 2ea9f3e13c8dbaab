using LeeMl.Sweep.Experiments.Planning;
using LeeMl.Sweep.Experiments.Programs;
using LeeMl.Sweep.Experiments.Specs;
using LeeMl.Sweep.Optim.Hyper;
using Xunit;

namespace LeeMl.Sweep.Experiments.Tests.Programs;

public class ProgramSpecTests
{
    private const string Example = """
        name: my-sweep
        program:
          command: [python3, train.py, "${args}"]
          files: [train.py, lib/]
          env: { OMP_NUM_THREADS: "1" }
          timeout: 600
          stop_grace: 30
          objective: { metric: validation_accuracy, goal: maximize }
          resources: { gpus: 1 }
        epochs: 20
        seeds: [1, 2]
        grid:
          lr: { log_uniform: [0.0001, 0.1] }
          hidden: [32, 64]
        search: { method: random, samples: 8, seed: 7 }
        early_stopping: { method: asha, metric: validation_accuracy, grace_epochs: 1, reduction: 3 }
        """;

    [Fact]
    public void The_issue_example_parses_into_a_program_plan_of_parameters_and_seeds()
    {
        var spec = SpecParser.Parse(Example, "s.yaml");
        var program = spec.Program!;
        Assert.Equal("program", spec.Kind);
        Assert.Equal(["python3", "train.py", "${args}"], program.Command.ToArray());
        Assert.Equal((600.0, 30.0, 1, "validation_accuracy", true), (program.TimeoutSeconds, program.StopGraceSeconds, program.Gpus, program.Objective.Metric, program.Objective.Maximize));
        var plan = new TrialPlan(spec);
        Assert.Equal(2 * 8 * 2, plan.Count);   // two widths, eight draws each, two seeds
        var first = plan.At(0);
        Assert.StartsWith("program(hidden=32, lr=", first.Key);
        Assert.EndsWith("|seed=1", first.Key);
        var lr = ((ParamValue.Number)first.Model.Params["lr"]).Value;
        Assert.InRange(lr, 0.0001, 0.1);
        Assert.True(plan.IsTrained(0));
        Assert.Equal(["--hidden=32", $"--lr={first.Model.Params["lr"]}"], CommandMacros.Expand(["${args}"], first.Model, "p.json"));
        Assert.Equal(["x", "hidden=32", $"lr={first.Model.Params["lr"]}", "--config=p.json"],
            CommandMacros.Expand(["x", "${args_no_hyphens}", "--config=${args_json_file}"], first.Model, "p.json"));
    }

    [Theory]
    [InlineData("program: { command: [python3, \"${argz}\"], objective: { metric: a } }", "unknown macro '${argz}'")]
    [InlineData("program: { command: [python3, \"--x=${args}\"], objective: { metric: a } }", "stands alone as a word")]
    [InlineData("program: { command: [python3], files: [/etc/passwd], objective: { metric: a } }", "is not relative to the spec's folder")]
    [InlineData("program: { command: [python3], files: [a/../../b], objective: { metric: a } }", "without '.', '..' or empty parts")]
    [InlineData("program: { command: [python3], env: { LEEML_TRIAL_SEED: \"1\" }, objective: { metric: a } }", "set by the worker")]
    [InlineData("program: { command: [python3], objective: { metric: a, goal: up } }", "unknown goal 'up'")]
    [InlineData("program: { command: [python3] }", "missing key 'objective'")]
    [InlineData("program: { command: [python3], objective: { metric: a }, resources: { tpus: 1 } }", "unknown resource 'tpus'")]
    [InlineData("program: { command: [python3], objective: { metric: a } }\ndata: { name: adult }", "'data' is for the built-in classifiers")]
    [InlineData("program: { command: [python3], objective: { metric: a } }\ngrid: { lr: { log_uniform: [0.1, 1] } }", "needs a search that draws it")]
    [InlineData("program: { command: [python3], objective: { metric: a } }\ngrid: { x: [1, 1] }", "a value is listed twice")]
    public void A_bad_program_spec_is_refused_with_where_and_why(string body, string message)
    {
        var e = Assert.Throws<SpecException>(() => SpecParser.Parse("name: bad\n" + body + "\n", "bad.yaml"));
        Assert.Contains(message, e.Message);
        Assert.StartsWith("bad.yaml:", e.Message);
    }
}
