using System.Globalization;

namespace MailTumble.Core.Cluster;

/// <summary>Who this process is in a cluster: host, process id and a random suffix (a restarted process is a new node).</summary>
public sealed class NodeIdentity
{
    /// <summary>Creates this process's identity.</summary>
    public NodeIdentity()
    {
        Host = Environment.MachineName;
        Id = string.Create(CultureInfo.InvariantCulture, $"{Host}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
    }

    /// <summary>The node id, unique per process start.</summary>
    public string Id { get; }

    /// <summary>The machine name.</summary>
    public string Host { get; }
}
