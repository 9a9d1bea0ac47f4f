using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace MailTumble.Core.Tests;

/// <summary>
/// Core does no I/O: the file system, HTTP and sockets live in adapters behind Core's ports. This reads the type references
/// of the compiled Core assembly (every type its code names, however it is spelled in the source: <c>using static</c>,
/// aliases, fully qualified), so the rule cannot be broken by a new file without this failing.
/// </summary>
public sealed class CoreDoesNoIoTests
{
    private static readonly HashSet<string> Forbidden = new(StringComparer.Ordinal)
    {
        "System.IO.File", "System.IO.FileStream", "System.IO.FileStreamOptions", "System.IO.FileInfo", "System.IO.FileSystemInfo",
        "System.IO.Directory", "System.IO.DirectoryInfo", "System.IO.FileSystemWatcher", "System.IO.RandomAccess",
        "System.Net.Http.HttpClient", "System.Net.Http.HttpMessageHandler", "System.Net.Http.HttpClientHandler",
        "System.Net.Http.SocketsHttpHandler", "System.Net.Http.HttpMessageInvoker", "System.Net.Http.IHttpClientFactory",
        "System.Net.Sockets.Socket", "System.Net.Sockets.TcpClient", "System.Net.Sockets.TcpListener", "System.Net.Sockets.UdpClient",
        "System.Net.Sockets.NetworkStream",
    };

    [Fact]
    public void Core_names_no_file_system_http_or_socket_type()
    {
        var used = ReferencedTypes(typeof(CoreServiceCollectionExtensions).Assembly.Location);
        Assert.Contains("System.IO.MemoryStream", used); // the reader sees Core's references at all

        Assert.Empty(used.Where(Forbidden.Contains).Order(StringComparer.Ordinal));
    }

    private static HashSet<string> ReferencedTypes(string assembly)
    {
        using var stream = File.OpenRead(assembly);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in metadata.TypeReferences)
        {
            var type = metadata.GetTypeReference(handle);
            names.Add(metadata.GetString(type.Namespace) + "." + metadata.GetString(type.Name));
        }

        return names;
    }
}
