using System.Net;

namespace LeeMl.Sweep.Cluster.Security;

/// <summary>
/// Secure by default: a node or client that listens on, or talks to, anything but a loopback
/// address must use TLS, or say <c>--insecure</c> to run unauthenticated on a network it trusts.
/// Without TLS anyone who reaches a node's port could join, submit, cancel and read every result.
/// </summary>
public static class Exposure
{
    public static bool IsLoopback(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>The host part of HOST:PORT.</summary>
    public static string HostOf(string endpoint) => endpoint[..Math.Max(0, endpoint.LastIndexOf(':'))];

    /// <summary>Null when every address is loopback, TLS is on or <c>--insecure</c> was given; else the one-line refusal.</summary>
    public static string? Refusal(IEnumerable<(string Option, string Host)> addresses, bool tls, bool insecure, bool node)
    {
        if (tls || insecure) return null;
        foreach (var (option, host) in addresses)
            if (!IsLoopback(host))
                return $"{option} {host} is not a loopback address, and without TLS anyone who reaches it could " +
                    (node ? "join the cluster, submit, cancel and read every result" : "read or change what this client sends") +
                    ": give --tls-cert and --tls-ca (leeml-sweep certs init DIR --hosts ... makes them), or --insecure to run unauthenticated on a network you trust";
        return null;
    }

    public static string InsecureWarning(string what) =>
        $"warning: --insecure: {what} runs without TLS; anyone who reaches it can use it as if they were a member of the cluster";
}
