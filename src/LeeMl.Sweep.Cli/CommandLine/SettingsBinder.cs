using System.CommandLine;
using LeeMl.Sweep.Cluster.Hosting;
using Microsoft.Extensions.Configuration;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>
/// Binds <see cref="NodeSettings"/> from, lowest first: its defaults, the configuration file of
/// <c>--config</c> (JSON), <c>LEEML_*</c> environment variables (<c>LEEML_SEED_NODES</c> binds
/// <c>SeedNodes</c>; <c>LEEML_DATA</c> binds <c>DataDir</c>), and the options given on the command
/// line. Lists (roles, seed nodes) are comma-separated everywhere.
/// </summary>
public static class SettingsBinder
{
    public static Option<string?> ConfigOption() => new("--config")
    {
        Description = "a JSON file of settings (keys as the long options in camelCase: seedNodes, slots, db, ...); the environment (LEEML_*) and the command line override it [default: none]",
        HelpName = "FILE",
    };

    public static Option<string> LogLevelOption() => new("--log-level")
    {
        Description = "the least severe log messages shown (on stderr): trace, debug, information, warning, error",
        HelpName = "LEVEL",
        DefaultValueFactory = _ => NodeSettings.Defaults.LogLevel,
        CustomParser = Options.Checked(v => v.ToLowerInvariant() is "trace" or "debug" or "information" or "info" or "warning" or "warn" or "error" or "critical"
            ? v : throw new UsageException($"--log-level '{v}': one of trace, debug, information, warning, error"), NodeSettings.Defaults.LogLevel),
    };

    public static Option<string> LogFormatOption() => new("--log-format")
    {
        Description = "how log lines are written (on stderr): plain (text) or json (one object a line: time, level, node, job, trial, category, message)",
        HelpName = "FORMAT",
        DefaultValueFactory = _ => "plain",
        CustomParser = Options.Checked(v => ConsoleLogging.Formats.Contains(v.ToLowerInvariant())
            ? v.ToLowerInvariant() : throw new UsageException($"--log-format '{v}': one of {string.Join(", ", ConsoleLogging.Formats)}"), "plain"),
    };

    /// <param name="given">Each option with the settings key it sets; only options given on the command line count (not their defaults).</param>
    public static NodeSettings Bind(ParseResult parse, Option<string?> config, IEnumerable<(Option Option, string Key)> given, IDictionary<string, string>? environment = null)
    {
        var builder = new ConfigurationBuilder();
        if (parse.GetValue(config) is { } file)
        {
            if (!File.Exists(file)) throw new UsageException($"--config {file}: file not found");
            builder.AddJsonFile(Path.GetFullPath(file), optional: false);
        }
        builder.AddInMemoryCollection(Environment(environment).Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value)));
        var explicitValues = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (option, key) in given)
        {
            var result = parse.GetResult(option);
            if (result is null || result.Implicit) continue;
            explicitValues[key] = result.GetValueOrDefault<object?>() switch
            {
                string[] list => string.Join(",", list),
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
                var v => v?.ToString(),
            };
        }
        builder.AddInMemoryCollection(explicitValues);
        IConfiguration configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            throw new UsageException($"--config: {e.GetBaseException().Message}");
        }
        var settings = new NodeSettings();
        try
        {
            configuration.Bind(settings, o => o.ErrorOnUnknownConfiguration = false);
        }
        catch (InvalidOperationException e)
        {
            throw new UsageException($"a setting has a wrong value: {e.GetBaseException().Message}");
        }
        settings.Roles = List(configuration, nameof(NodeSettings.Roles)) ?? settings.Roles;
        settings.SeedNodes = List(configuration, nameof(NodeSettings.SeedNodes)) ?? settings.SeedNodes;
        return settings;
    }

    /// <summary>A list given as "a,b" (command line, environment) or as a JSON array (configuration file).</summary>
    private static List<string>? List(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        if (section.Value is { } text) return [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        var items = section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        return items.Count > 0 ? items : null;
    }

    /// <summary>LEEML_X_Y=value as the setting XY (LEEML_DATA is the data folder).</summary>
    private static Dictionary<string, string> Environment(IDictionary<string, string>? environment)
    {
        var variables = environment ?? System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in variables)
        {
            if (!name.StartsWith("LEEML_", StringComparison.Ordinal) || value.Length == 0) continue;
            var key = name["LEEML_".Length..].Replace("_", "", StringComparison.Ordinal);
            settings[key == "DATA" ? nameof(NodeSettings.DataDir) : key] = value;
        }
        return settings;
    }
}
