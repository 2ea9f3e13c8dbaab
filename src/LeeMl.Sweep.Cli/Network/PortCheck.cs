using System.Net;
using System.Net.Sockets;

namespace LeeMl.Sweep.Cli.Network;

/// <summary>
/// A port is this node's alone. The remoting listens with SO_REUSEPORT (through .NET's
/// ReuseAddress on Linux), so a second process could bind a port already in use, report "up"
/// and split the traffic of the real node. Before listening, a probe binds the address with
/// SO_REUSEADDR alone: that still allows a restart over connections in TIME_WAIT, but fails
/// while anything listens there.
/// </summary>
public static class PortCheck
{
    private const int SolSocket = 1, SoReuseAddr = 2;

    /// <summary>Null when <paramref name="host"/>:<paramref name="port"/> is free to listen on; else why not.</summary>
    public static string? Problem(string host, int port)
    {
        if (port == 0) return null;
        IPAddress address;
        try
        {
            address = IPAddress.TryParse(host, out var ip) ? ip : Dns.GetHostAddresses(host).First();
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            return $"'{host}' does not resolve to an address of this machine";
        }
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (OperatingSystem.IsLinux()) socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
            else socket.ExclusiveAddressUse = true;
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(1);
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return $"address in use: something already listens on {host}:{port} (another node?)";
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            return $"{host} is not an address of this machine";
        }
    }
}
