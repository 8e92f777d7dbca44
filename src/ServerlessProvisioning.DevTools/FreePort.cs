using System.Net;
using System.Net.Sockets;

namespace ServerlessProvisioning.DevTools;

/// <summary>
/// Free loopback TCP ports, found by letting the system choose one (port 0). Another process can take a port between
/// finding and binding it, so a caller that fails to bind tries again with a new one.
/// </summary>
public static class FreePort
{
    /// <summary>One free port.</summary>
    public static int Find() => Find(1)[0];

    /// <summary>Distinct free ports: all are held while they are found, so none is given twice.</summary>
    public static int[] Find(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
