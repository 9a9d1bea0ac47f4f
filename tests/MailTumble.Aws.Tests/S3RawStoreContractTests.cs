using Amazon.S3;
using MailTumble.Aws.Storage;
using MailTumble.Core.Storage;
using MailTumble.Testing.Contracts;

namespace MailTumble.Aws.Tests;

public sealed class S3RawStoreContractTests : RawStoreContract, IAsyncLifetime, IDisposable
{
    private IAmazonS3? _s3;
    private S3RawStore? _store;

    protected override IRawStore Store => _store!;

    public async Task InitializeAsync()
    {
        var options = Fauxqs.Options();
        _s3 = Fauxqs.S3(options);
        await Fauxqs.EnsureBucketAsync(_s3, options.S3BucketName!);
        _store = new S3RawStore(_s3, Microsoft.Extensions.Options.Options.Create(options));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [SkippableFact]
    public async Task Reads_stream_and_seek_forward_past_the_header_block()
    {
        var bytes = Enumerable.Range(0, 2_000_000).Select(i => (byte)(i % 251)).ToArray();
        var key = Guid.NewGuid().ToString("N");
        await Store.PutAsync(key, new System.Buffers.ReadOnlySequence<byte>(bytes), default);

        await using var read = await Store.OpenReadAsync(key, default);
        Assert.Equal(bytes.Length, read.Length);
        read.Seek(1_000_001, SeekOrigin.Begin);
        var rest = new MemoryStream();
        await read.CopyToAsync(rest);
        Assert.Equal(bytes.AsSpan(1_000_001).ToArray(), rest.ToArray());
    }

    [SkippableFact]
    public async Task Keys_that_could_leave_the_prefix_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync("../other/x", default));
    }

    public void Dispose() => _s3?.Dispose();
}
