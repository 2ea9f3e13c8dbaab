using System.CommandLine;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cluster.Hosting;

namespace LeeMl.Sweep.Cli.Tests.CommandLine;

/// <summary>Node settings come from defaults, a configuration file, LEEML_* variables and the command line, in that order of strength.</summary>
public sealed class SettingsBinderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("leeml-settings-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (Command Command, Option<string?> Config, (Option, string)[] Given) Definition()
    {
        var slots = Options.Slots();
        var db = new Option<string>("--db") { DefaultValueFactory = _ => NodeSettings.Defaults.Db };
        var seeds = new Option<string>("--seed-nodes");
        var config = SettingsBinder.ConfigOption();
        var command = new Command("node") { slots, db, seeds, config };
        return (command, config, [(slots, nameof(NodeSettings.Slots)), (db, nameof(NodeSettings.Db)), (seeds, nameof(NodeSettings.SeedNodes))]);
    }

    private NodeSettings Bind(string[] args, Dictionary<string, string> environment)
    {
        var (command, config, given) = Definition();
        var root = new RootCommand { command };
        return SettingsBinder.Bind(root.Parse(["node", .. args]), config, given, environment);
    }

    [Fact]
    public void The_command_line_beats_the_environment_which_beats_the_file_which_beats_the_defaults()
    {
        var file = Path.Combine(_dir, "node.json");
        File.WriteAllText(file, """{ "slots": 3, "db": "from-file.db", "seedNodes": ["h1:1", "h2:2"], "logLevel": "Error", "dataDir": "/file/data" }""");
        var defaults = Bind([], []);
        Assert.Equal(NodeSettings.Defaults.Db, defaults.Db);
        Assert.Equal(Environment.ProcessorCount, defaults.Slots);

        var fromFile = Bind(["--config", file], []);
        Assert.Equal((3, "from-file.db", "Error"), (fromFile.Slots, fromFile.Db, fromFile.LogLevel));
        Assert.Equal(["h1:1", "h2:2"], fromFile.SeedNodes);

        var env = new Dictionary<string, string> { ["LEEML_DB"] = "from-env.db", ["LEEML_SEED_NODES"] = "e1:1,e2:2", ["LEEML_DATA"] = "/env/data", ["OTHER"] = "x" };
        var fromEnv = Bind(["--config", file], env);
        Assert.Equal((3, "from-env.db", "/env/data"), (fromEnv.Slots, fromEnv.Db, fromEnv.DataDir));
        Assert.Equal(["e1:1", "e2:2"], fromEnv.SeedNodes);

        var fromLine = Bind(["--config", file, "--db=line.db", "--slots", "5", "--seed-nodes", "l1:1"], env);
        Assert.Equal((5, "line.db"), (fromLine.Slots, fromLine.Db));
        Assert.Equal(["l1:1"], fromLine.SeedNodes);
    }

    [Fact]
    public void A_missing_or_broken_configuration_file_is_bad_input()
    {
        Assert.Contains("file not found", Assert.Throws<UsageException>(() => Bind(["--config", Path.Combine(_dir, "none.json")], [])).Message);
        var broken = Path.Combine(_dir, "broken.json");
        File.WriteAllText(broken, "{ \"slots\": ");
        Assert.StartsWith("--config:", Assert.Throws<UsageException>(() => Bind(["--config", broken], [])).Message);
        var wrong = Path.Combine(_dir, "wrong.json");
        File.WriteAllText(wrong, "{ \"slots\": \"many\" }");
        Assert.Contains("a setting has a wrong value", Assert.Throws<UsageException>(() => Bind(["--config", wrong], [])).Message);
    }
}
