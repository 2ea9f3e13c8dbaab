using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace LeeMl.Sweep.Cli.CommandLine;

/// <summary>Options of <see cref="JsonLineFormatter"/>: the node every line names.</summary>
public sealed class JsonLineOptions : ConsoleFormatterOptions
{
    public string Node { get; set; } = "";
}

/// <summary>
/// <c>--log-format json</c>: one JSON object a line for log collectors — time (UTC, ISO 8601),
/// level, node, job and trial (from the log's scopes or fields of those names, null where it has
/// none), category, message, and the exception where there is one.
/// </summary>
public sealed class JsonLineFormatter(IOptionsMonitor<JsonLineOptions> options) : ConsoleFormatter(Name)
{
    public new const string Name = "leeml-json";

    public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopes, TextWriter writer)
    {
        var message = entry.Formatter?.Invoke(entry.State, entry.Exception);
        if (message is null && entry.Exception is null) return;
        string? job = null, trial = null;
        void Take(object? fields)
        {
            if (fields is not IEnumerable<KeyValuePair<string, object?>> pairs) return;
            foreach (var (key, value) in pairs)
            {
                if (key.Equals("job", StringComparison.OrdinalIgnoreCase) && value is not null) job = value.ToString();
                else if (key.Equals("trial", StringComparison.OrdinalIgnoreCase) && value is not null) trial = value.ToString();
            }
        }
        scopes?.ForEachScope((scope, _) => Take(scope), (object?)null);
        Take(entry.State);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("level", Level(entry.LogLevel));
            json.WriteString("node", options.CurrentValue.Node);
            if (job is null) json.WriteNull("job"); else json.WriteString("job", job);
            if (trial is null) json.WriteNull("trial"); else json.WriteString("trial", trial);
            json.WriteString("category", entry.Category);
            json.WriteString("message", message ?? "");
            if (entry.Exception is { } e) json.WriteString("exception", e.ToString());
            json.WriteEndObject();
        }
        writer.Write(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
        writer.Write('\n');
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "information",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        LogLevel.Critical => "critical",
        _ => "none",
    };
}
