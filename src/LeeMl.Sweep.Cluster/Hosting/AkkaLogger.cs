using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>
/// Akka.NET's log events into Microsoft.Extensions.Logging, by category (Akka.Remote,
/// Akka.Cluster, LeeMl.Sweep...), so levels can be set per part. One event is lowered to debug:
/// remoting's "tried to associate with unreachable remote address", logged at warning whenever a
/// peer is not up yet (a node that starts before the other seeds); the cluster's own events say
/// what matters (unreachable, downed, removed).
/// </summary>
public sealed class AkkaLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <summary>Set before the actor system starts (Akka creates its loggers without arguments).</summary>
    public static ILoggerFactory Factory { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    private readonly Dictionary<string, ILogger> _loggers = new(StringComparer.Ordinal);

    public AkkaLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(Log);
    }

    private void Log(LogEvent e)
    {
        var level = e switch
        {
            Error => LogLevel.Error,
            Warning => LogLevel.Warning,
            Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        var message = e.Message?.ToString() ?? "";
        if (level == LogLevel.Warning && message.StartsWith("Tried to associate with unreachable remote address", StringComparison.Ordinal)) level = LogLevel.Debug;
        var logger = Logger(Category(e));
        if (!logger.IsEnabled(level)) return;
        if (e is Error { Cause: { } cause }) logger.Log(level, cause, "{Source}: {Message}", e.LogSource, message);
        else logger.Log(level, "{Source}: {Message}", e.LogSource, message);
    }

    /// <summary>The namespace of the class that logged, cut to its first two parts: Akka.Remote, Akka.Cluster, LeeMl.Sweep.</summary>
    private static string Category(LogEvent e)
    {
        var ns = e.LogClass?.Namespace ?? "Akka";
        var parts = ns.Split('.');
        return parts.Length >= 2 ? $"{parts[0]}.{parts[1]}" : ns;
    }

    private ILogger Logger(string category)
    {
        if (!_loggers.TryGetValue(category, out var logger)) _loggers[category] = logger = Factory.CreateLogger(category);
        return logger;
    }
}
