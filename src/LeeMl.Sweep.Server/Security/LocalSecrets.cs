using System.Net;
using System.Security.Cryptography;

namespace LeeMl.Sweep.Server.Security;

/// <summary>
/// Without TLS a node's API is on loopback, where every account of the machine can reach it; so it
/// asks for a secret that only the node's own user can read (as a notebook server does): written at
/// start into a file of mode 0600, in a folder of mode 0700, named after the address it serves. A
/// client run by the same user finds it there with no option; another user cannot read it.
/// </summary>
public static class LocalSecrets
{
    /// <summary>Where the secrets are kept: <c>$LEEML_RUNTIME_DIR</c>, else <c>$XDG_RUNTIME_DIR/leeml-sweep</c>, else <c>~/.local/share/leeml-sweep/runtime</c>.</summary>
    public static string Folder =>
        Environment.GetEnvironmentVariable("LEEML_RUNTIME_DIR") is { Length: > 0 } dir ? dir
        : Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") is { Length: > 0 } runtime ? Path.Combine(runtime, "leeml-sweep")
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "leeml-sweep", "runtime");

    /// <summary>The file of the API served at <paramref name="host"/>:<paramref name="port"/> (localhost and 127.0.0.1 are one address).</summary>
    public static string FileOf(string host, int port) =>
        Path.Combine(Folder, $"api-{(host is "localhost" ? IPAddress.Loopback.ToString() : host.Trim('[', ']'))}-{port}.secret");

    /// <summary>A new secret for the API at the address, written where only this user can read it.</summary>
    public static string Create(string host, int port)
    {
        var folder = Folder;
        const UnixFileMode owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);   // a profile folder is the user's own there
        else
        {
            Directory.CreateDirectory(folder, owner);
            File.SetUnixFileMode(folder, owner);   // a folder that existed before: this user's alone
        }
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var path = FileOf(host, port);
        var temporary = path + $".{Environment.ProcessId}.tmp";
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(secret);
        File.Move(temporary, path, overwrite: true);
        return secret;
    }

    /// <summary>The secret of the API at "HOST:PORT", when this user can read it; else null.</summary>
    public static string? Find(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)) return null;
        try
        {
            return File.ReadAllText(FileOf(address[..colon], port)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Removes the file when the node stops (it holds only if the secret is still this node's).</summary>
    public static void Remove(string host, int port, string secret)
    {
        var path = FileOf(host, port);
        try
        {
            if (File.ReadAllText(path).Trim() == secret) File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    /// <summary>Whether <paramref name="given"/> is <paramref name="secret"/>, in time that does not depend on where they differ.</summary>
    public static bool Matches(string? given, string secret) =>
        given is not null && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(secret));
}
