using LeeMl.Sweep.Server.Security;

namespace LeeMl.Sweep.Server.Tests;

/// <summary>The secret of a node's API without TLS: in a file only its account can read, found by address, removed only by the node that wrote it.</summary>
public sealed class LocalSecretTests : IDisposable
{
    private readonly string _dir = Path.Combine(Directory.CreateTempSubdirectory("leeml-secret-").FullName, "runtime");

    public LocalSecretTests() => Environment.SetEnvironmentVariable("LEEML_RUNTIME_DIR", _dir);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("LEEML_RUNTIME_DIR", null);
        Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true);
    }

    [Fact]
    public void A_secret_is_written_for_the_owner_alone_and_found_under_either_loopback_name()
    {
        var secret = LocalSecrets.Create("127.0.0.1", 8053);
        Assert.True(secret.Length >= 43);
        Assert.Equal(secret, LocalSecrets.Find("127.0.0.1:8053"));
        Assert.Equal(secret, LocalSecrets.Find("localhost:8053"));
        Assert.Null(LocalSecrets.Find("127.0.0.1:8054"));
        Assert.Null(LocalSecrets.Find("not an address"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(LocalSecrets.FileOf("127.0.0.1", 8053)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir));
        }
        Assert.True(LocalSecrets.Matches(secret, secret));
        Assert.False(LocalSecrets.Matches(secret[..^1], secret));
        Assert.False(LocalSecrets.Matches(null, secret));
    }

    [Fact]
    public void A_node_that_starts_again_writes_a_new_secret_and_the_old_one_cannot_remove_it()
    {
        var first = LocalSecrets.Create("127.0.0.1", 9000);
        var second = LocalSecrets.Create("127.0.0.1", 9000);
        Assert.NotEqual(first, second);
        LocalSecrets.Remove("127.0.0.1", 9000, first);
        Assert.Equal(second, LocalSecrets.Find("127.0.0.1:9000"));
        LocalSecrets.Remove("127.0.0.1", 9000, second);
        Assert.Null(LocalSecrets.Find("127.0.0.1:9000"));
    }
}
