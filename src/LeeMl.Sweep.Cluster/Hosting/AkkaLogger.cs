using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>
/// Akka.NET's log events into Microsoft.Extensions.Logging, by category (Akka.Remote,
/// Akka.Cluster, LeeMl.Sweep...), so levels can be set per part. Some of remoting's events are
/// reworded: "tried to associate with unreachable remote address" (logged whenever a peer is not
/// up yet) goes to debug, since the cluster's own events say what matters; a connection that is
/// not remoting traffic (garbage bytes, a frame over the limit, a refused TLS handshake) is one
/// warning line naming the peer, not an error with the transport's stack trace, which says
/// nothing more to someone running a node.
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
        // A peer that went away (a node killed or stopped) is one warning line: the association's
        // reason without its stack trace, and the endpoint writer's error that repeats it at debug.
        if (e is Error { Cause: { } gone } && gone.GetType().Name == "EndpointDisassociatedException") level = LogLevel.Debug;   // internal to Akka.Remote
        if (message.StartsWith("Association with remote system", StringComparison.Ordinal) && message.IndexOf(" Reason is: [", StringComparison.Ordinal) is var r and >= 0)
        {
            var reason = message[(r + " Reason is: [".Length)..];
            var cut = reason.IndexOf("    at ", StringComparison.Ordinal);
            message = $"{message[..r]} ({(cut < 0 ? reason.TrimEnd(']') : reason[..cut]).Trim()})";
        }
        var logger = Logger(Category(e));
        if (Refused(message, (e as Error)?.Cause) is { } refused)
        {
            if (refused.Length == 0) level = LogLevel.Debug;   // the "Rejected incoming connection" warning that follows says it in one line
            else
            {
                if (logger.IsEnabled(LogLevel.Warning)) logger.LogWarning("{Source}: {Message}", e.LogSource, refused);
                return;
            }
        }
        if (!logger.IsEnabled(level)) return;
        if (e is Error { Cause: { } cause }) logger.Log(level, cause, "{Source}: {Message}", e.LogSource, message);
        else logger.Log(level, "{Source}: {Message}", e.LogSource, message);
    }

    /// <summary>A transport error about a connection that is not remoting traffic: "" when a later line says it, else its one-line form; null for anything else.</summary>
    private static string? Refused(string message, Exception? cause)
    {
        if (message.StartsWith("Deserialization failed", StringComparison.Ordinal))
        {
            // Once per message: the enclosing actor selection's failure repeats the same reason.
            if (message.Contains("serializer id [6]", StringComparison.Ordinal)) return "";
            var at = message.IndexOf("refused ", StringComparison.Ordinal);
            if (at < 0) return null;
            var end = message.IndexOf(". Serializer Id", at, StringComparison.Ordinal);
            return $"dropped a message from the network: {message[at..(end < 0 ? message.Length : end)]}";
        }
        if (message.StartsWith("TLS handshake failed", StringComparison.Ordinal)) return "";
        if (!message.StartsWith("Error caught channel", StringComparison.Ordinal)) return null;
        var peer = message.IndexOf("->", StringComparison.Ordinal) is var a and >= 0 && message.IndexOf("](Id=", a, StringComparison.Ordinal) is var b and > 0 ? message[(a + 2)..b] : "a peer";
        var why = cause is null ? "" : $" ({cause.GetBaseException().Message.TrimEnd('.')})";
        return $"dropped a connection from {peer}: not remoting traffic{why}";
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
