using System.Net;
using System.Net.Sockets;

namespace LeeMl.Sweep.Tests;

/// <summary>Loopback ports nothing listens on now, for the servers and nodes the tests and benchmarks start.</summary>
public static class FreePorts
{
    public static int Next()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
