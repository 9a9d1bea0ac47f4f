using MailTumble.Core.Storage;
using MailTumble.Testing;
using MailTumble.Testing.Contracts;
using Microsoft.Extensions.Options;

namespace MailTumble.Files.Tests;

public sealed class FileRawStoreTests : RawStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    public FileRawStoreTests()
    {
        Store = new FileRawStore(Options.Create(new FileStoreOptions { RawDirectory = Path.Combine(_dir.Path, "raw") }));
    }

    protected override IRawStore Store { get; }

    [Fact]
    public async Task Keys_that_could_escape_the_directory_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync("../../etc/passwd", default));
    }

    public void Dispose() => _dir.Dispose();
}
