using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>Logs on stderr, one line each; stdout stays for what a command prints (ids, progress, results).</summary>
public static class ConsoleLogging
{
    /// <param name="informational">Categories logged from information level up whatever <paramref name="level"/> is (the trial log of --log-trials).</param>
    public static void Configure(ILoggingBuilder logging, string level, IReadOnlyList<string>? informational = null)
    {
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
