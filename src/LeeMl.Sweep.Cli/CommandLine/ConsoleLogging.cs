using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>Logs on stderr, one line each; stdout stays for what a command prints (ids, progress, results).</summary>
public static class ConsoleLogging
{
    /// <summary>The values of --log-format.</summary>
    public static readonly IReadOnlyList<string> Formats = ["plain", "json"];

    /// <param name="informational">Categories logged from information level up whatever <paramref name="level"/> is (the trial log of --log-trials).</param>
    /// <param name="format">plain: a line of text each; json: a JSON object each (<see cref="JsonLineFormatter"/>), naming <paramref name="node"/>.</param>
    public static void Configure(ILoggingBuilder logging, string level, IReadOnlyList<string>? informational = null, string format = "plain", string node = "")
    {
        if (format == "json")
            logging.AddConsole(o => o.FormatterName = JsonLineFormatter.Name)
                .AddConsoleFormatter<JsonLineFormatter, JsonLineOptions>(o => { o.Node = node; o.IncludeScopes = true; });
        else
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        logging.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(Parse(level));
        foreach (var category in informational ?? []) logging.AddFilter(category, l => l >= LogLevel.Information);
    }

    public static LogLevel Parse(string level) => level.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "information" or "info" => LogLevel.Information,
        "warning" or "warn" => LogLevel.Warning,
        "critical" => LogLevel.Critical,
        _ => LogLevel.Error,
    };
}
