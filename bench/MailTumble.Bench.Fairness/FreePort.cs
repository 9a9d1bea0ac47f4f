using System.Net;
using System.Net.Sockets;

namespace MailTumble.Bench.Fairness;

/// <summary>Prints a port that is free on loopback now (the bench never uses fixed ports).</summary>
internal static class FreePort
{
    public static int Print()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Console.WriteLine(((IPEndPoint)listener.LocalEndpoint).Port);
        return 0;
    }
}
