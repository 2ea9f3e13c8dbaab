using System.Text.Json;
using LeeMl.Sweep.Cli.CommandLine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeeMl.Sweep.Cli.Tests.CommandLine;

/// <summary>--log-format json: one object a line, with the node, and the job and trial a log's scope or fields name.</summary>
public sealed class JsonLineFormatterTests
{
    private sealed class Fixed(JsonLineOptions value) : IOptionsMonitor<JsonLineOptions>
    {
        public JsonLineOptions CurrentValue => value;
        public JsonLineOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<JsonLineOptions, string?> listener) => null;
    }

    private static JsonElement Line<TState>(LogLevel level, TState state, Func<TState, Exception?, string> format, IExternalScopeProvider? scopes = null, Exception? error = null)
    {
        var formatter = new JsonLineFormatter(new Fixed(new JsonLineOptions { Node = "10.0.0.7:4053", IncludeScopes = true }));
        var text = new StringWriter();
        formatter.Write(new LogEntry<TState>(level, "LeeMl.Sweep.Trials", default, state, error, format), scopes, text);
        var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return JsonDocument.Parse(Assert.Single(lines)).RootElement;
    }

    [Fact]
    public void A_trial_log_line_names_its_node_job_and_trial_from_its_scope()
    {
        var scopes = new LoggerExternalScopeProvider();
        using (scopes.Push(new Dictionary<string, object?> { ["job"] = "j-1", ["trial"] = "logistic|sgd(lr=0.1)|-|-|-|seed=1" }))
        {
            var line = Line(LogLevel.Information, "start j-1 \"quoted\"\nnext", (s, _) => s, scopes);
            Assert.Equal("information", line.GetProperty("level").GetString());
            Assert.Equal("10.0.0.7:4053", line.GetProperty("node").GetString());
            Assert.Equal("j-1", line.GetProperty("job").GetString());
            Assert.Equal("logistic|sgd(lr=0.1)|-|-|-|seed=1", line.GetProperty("trial").GetString());
            Assert.Equal("start j-1 \"quoted\"\nnext", line.GetProperty("message").GetString());   // one line however the message breaks
            Assert.True(DateTimeOffset.TryParse(line.GetProperty("time").GetString(), out _));
        }
    }

    [Fact]
    public void A_line_without_a_job_has_nulls_and_an_exception_goes_with_its_line()
    {
        var line = Line(LogLevel.Error, "the store did not answer", (s, _) => s, error: new InvalidOperationException("boom"));
        Assert.Equal(JsonValueKind.Null, line.GetProperty("job").ValueKind);
        Assert.Equal(JsonValueKind.Null, line.GetProperty("trial").ValueKind);
        Assert.Equal("error", line.GetProperty("level").GetString());
        Assert.Contains("boom", line.GetProperty("exception").GetString());
    }
}
