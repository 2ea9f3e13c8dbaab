using LeeMl.Sweep.Server.Security;
using System.CommandLine;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LeeMl.Sweep.Cli.CommandLine;
using LeeMl.Sweep.Cluster.Security;

namespace LeeMl.Sweep.Cli.Commands.Certs;

/// <summary>
/// <c>certs init|node|client|token</c>: the cluster's certificate authority, the certificates it
/// signs and access tokens, each in one command. Every file is readable by its owner only, and
/// none is ever overwritten (a CA replaced by accident would lock every node out).
/// <c>certs revoke|revoked</c> ask a running cluster to refuse a token, and which it refuses.
/// </summary>
public static class CertsCommand
{
    public static Command Create()
    {
        var command = new Command("certs", "make the cluster's certificate authority, the node and client certificates it signs, and access tokens for browsers (TLS, docs/tls.md)");
        command.Add(Init());
        command.Add(Node());
        command.Add(Client());
        command.Add(Token());
        command.Add(Revoke());
        command.Add(Revoked());
        return command;
    }

    private static Argument<string> Dir() => Options.Positional<string>("DIR", "the folder of the cluster's certificates (ca.crt, ca.key, *.pfx)", ArgumentArity.ExactlyOne);

    private static Option<string[]> Hosts(bool required) => new("--hosts")
    {
        Description = "the names and addresses nodes are reached by, H1,H2,... (written into the node certificate; localhost and 127.0.0.1 are always added)",
        HelpName = "H[,H...]",
        Required = required,
        CustomParser = r => [.. r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))],
    };

    private static Option<string?> Password() => new("--password")
    {
        Description = "protect the keys (ca.key and the .pfx files) with this password [default: $LEEML_TLS_PASSWORD, else none]",
        HelpName = "PW",
    };

    private static Option<string?> Name(string what) => new("--name") { Description = $"the {what}'s name: its file is DIR/NAME.pfx [default: {what}-2, {what}-3, ...]", HelpName = "NAME" };

    private static Command Init()
    {
        var dir = Dir();
        var hosts = Hosts(required: true);
        var password = Password();
        var command = new Command("init", "write a new certificate authority (ca.crt, ca.key) and a first node.pfx and client.pfx into DIR") { dir, hosts, password };
        command.SetAction(parse =>
        {
            var folder = parse.GetValue(dir)!;
            var pw = PasswordOf(parse.GetValue(password));
            var names = HostsOf(parse.GetValue(hosts)!);
            foreach (var file in new[] { "ca.crt", "ca.key", "node.pfx", "client.pfx" })
                if (File.Exists(Path.Combine(folder, file))) throw new UsageException($"{Path.Combine(folder, file)} exists already; certs init makes a new authority in an empty folder (certs node and certs client add to one)");
            Folder(folder);
            var now = DateTimeOffset.UtcNow;
            using var ca = ClusterCertificates.CreateAuthority(now);
            using var key = ca.GetECDsaPrivateKey()!;
            Write(Path.Combine(folder, "ca.crt"), System.Text.Encoding.ASCII.GetBytes(ca.ExportCertificatePem()));
            Write(Path.Combine(folder, "ca.key"), System.Text.Encoding.ASCII.GetBytes(pw is null ? key.ExportPkcs8PrivateKeyPem()
                : key.ExportEncryptedPkcs8PrivateKeyPem(pw, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 600_000))));
            WriteIssued(ca, CertificateRole.Node, "node", names, Path.Combine(folder, "node.pfx"), pw, now);
            WriteIssued(ca, CertificateRole.Client, "client", [], Path.Combine(folder, "client.pfx"), pw, now);
            var o = parse.InvocationConfiguration.Output;
            o.WriteLine($"wrote {folder}: ca.crt (the cluster's authority: give it to every node and client as --tls-ca)");
            o.WriteLine($"  ca.key     signs new certificates (certs node, certs client); keep it off the nodes");
            o.WriteLine($"  node.pfx   for every node: --tls-cert node.pfx --tls-ca ca.crt (names {string.Join(", ", names)})");
            o.WriteLine($"  client.pfx for submit, status, cancel, fetch: --tls-cert client.pfx --tls-ca ca.crt");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Node()
    {
        var dir = Dir();
        var hosts = Hosts(required: true);
        var password = Password();
        var name = Name("node");
        var command = new Command("node", "add a node certificate signed by DIR's authority (for a node reached by other names)") { dir, hosts, name, password };
        command.SetAction(parse => Issue(parse, parse.GetValue(dir)!, CertificateRole.Node, parse.GetValue(name), HostsOf(parse.GetValue(hosts)!), parse.GetValue(password)));
        return command;
    }

    private static Command Client()
    {
        var dir = Dir();
        var password = Password();
        var name = Name("client");
        var command = new Command("client", "add a client certificate signed by DIR's authority (one per user or machine that submits)") { dir, name, password };
        command.SetAction(parse => Issue(parse, parse.GetValue(dir)!, CertificateRole.Client, parse.GetValue(name), [], parse.GetValue(password)));
        return command;
    }

    private static Command Token()
    {
        var dir = Dir();
        var password = Password();
        var name = new Option<string>("--name") { Description = "who the token is for (named in the answer when a read-only token asks to change something)", HelpName = "NAME", DefaultValueFactory = _ => "user" };
        var days = new Option<int>("--days") { Description = "how long the token is valid, 1 to 365 days (certs revoke voids it sooner)", HelpName = "N", DefaultValueFactory = _ => 30 };
        var operate = Options.Flag("--operator", "the token may also cancel and submit (without it: read only)");
        var cluster = new Option<string>("--cluster-name") { Description = "the cluster the token is for, as its nodes' --cluster-name (other clusters of the same authority refuse it)", HelpName = "NAME", DefaultValueFactory = _ => AccessTokens.DefaultCluster };
        var command = new Command("token", "print an access token for the dashboard and the HTTP API, signed by DIR's authority (for a browser: open https://NODE:PORT/login?token=TOKEN once)")
        {
            dir, name, days, operate, cluster, password,
        };
        command.SetAction(parse =>
        {
            var who = parse.GetValue(name)!;
            if (who.Length is 0 or > 64 || who.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@')))
                throw new UsageException($"--name '{Experiments.Text.Printable.Escape(who)}' must be letters, digits, '-', '_', '.' or '@' (at most 64)");
            var n = parse.GetValue(days);
            if (n is < 1 or > 365) throw new UsageException($"--days = {n} must be from 1 to 365");
            using var ca = Authority(parse.GetValue(dir)!, PasswordOf(parse.GetValue(password)));
            var clusterName = parse.GetValue(cluster)!;
            if (!AccessTokens.IsClusterName(clusterName)) throw new UsageException($"--cluster-name '{Experiments.Text.Printable.Escape(clusterName)}' must be letters, digits, '-', '_' or '.' (at most 64)");
            var claims = new TokenClaims(who, parse.GetValue(operate) ? TokenRole.Operator : TokenRole.Viewer, DateTimeOffset.UtcNow.AddDays(n), Cluster: clusterName);
            var token = AccessTokens.Issue(ca, claims);
            var id = AccessTokens.Verify(token, ca, clusterName, DateTimeOffset.UtcNow, out _)!.Id;
            parse.InvocationConfiguration.Output.WriteLine(token);
            parse.InvocationConfiguration.Error.WriteLine($"{(claims.Role == TokenRole.Operator ? "an operator" : "a viewer (read-only)")} token for {who}, valid until {claims.Expires:yyyy-MM-dd HH:mm} UTC, id {id}: " +
                "open https://NODE:PORT/login?token=TOKEN once in the browser, or send 'Authorization: Bearer TOKEN'; " +
                $"'certs revoke {id} --cluster HOST:PORT --tls-cert CLIENT.pfx --tls-ca ca.crt' voids it");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Revoke()
    {
        var what = Options.Positional<string>("TOKEN|ID", "the token (lmt1....) or its id, as certs token printed them", ArgumentArity.ExactlyOne);
        var cluster = new ClusterOptionSet();
        var command = new Command("revoke", "void an access token before it expires, on every coordinator of the cluster (needs a client certificate or an operator token's rights)") { what };
        cluster.AddTo(command);
        command.SetAction(parse =>
        {
            var text = parse.GetValue(what)!.Trim();
            if (!text.StartsWith("lmt1.", StringComparison.Ordinal) && !AccessTokens.IsId(text))
                throw new UsageException($"'{Experiments.Text.Printable.Escape(text.Length > 40 ? text[..40] + "..." : text)}' is neither a token (lmt1....) nor a token id (22 characters)");
            return cluster.Call(parse, async client =>
            {
                var revoked = await client.RevokeToken(text);
                parse.InvocationConfiguration.Output.WriteLine($"revoked token {revoked.Id}{(revoked.Name is { Length: > 0 } n ? $" of {n}" : "")}: " +
                    $"every coordinator refuses it within {TokenRevocations.RefreshEvery.TotalSeconds:0} s (the store keeps it until {revoked.KeptUntil:yyyy-MM-dd HH:mm} UTC)");
                return ExitCodes.Ok;
            });
        });
        return command;
    }

    private static Command Revoked()
    {
        var cluster = new ClusterOptionSet();
        var command = new Command("revoked", "list the access tokens the cluster refuses although they have not expired, the latest revoked first");
        cluster.AddTo(command);
        command.SetAction(parse => cluster.Call(parse, async client =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var tokens = await client.RevokedTokens();
            if (tokens.Count == 0) stdout.WriteLine("no token is revoked");
            else stdout.WriteLine($"{"ID",-22}  {"NAME",-20}  {"REVOKED (UTC)",-16}  KEPT UNTIL (UTC)");
            foreach (var t in tokens)
                stdout.WriteLine($"{t.Id,-22}  {Experiments.Text.Printable.Escape(t.Name ?? "(by id)"),-20}  {t.RevokedAt.UtcDateTime:yyyy-MM-dd HH:mm}  {t.KeptUntil.UtcDateTime:yyyy-MM-dd HH:mm}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static int Issue(ParseResult parse, string folder, CertificateRole role, string? name, IReadOnlyList<string> hosts, string? password)
    {
        var pw = PasswordOf(password);
        var what = role == CertificateRole.Node ? "node" : "client";
        if (name is not null && (name.Length is 0 or > 64 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')) || name[0] == '.'))
            throw new UsageException($"--name '{name}' must be letters, digits, '-', '_' or '.' (at most 64)");
        name ??= Enumerable.Range(2, 10_000).Select(i => $"{what}-{i}").First(n => !File.Exists(Path.Combine(folder, n + ".pfx")));
        var target = Path.Combine(folder, name + ".pfx");
        if (File.Exists(target)) throw new UsageException($"{target} exists already; give another --name");
        using var ca = Authority(folder, pw);
        WriteIssued(ca, role, name, hosts, target, pw, DateTimeOffset.UtcNow);
        parse.InvocationConfiguration.Output.WriteLine($"wrote {target}: a {what} certificate signed by {Path.Combine(folder, "ca.crt")}" +
            (role == CertificateRole.Node ? $" (names {string.Join(", ", hosts)})" : "") + $"; use it as --tls-cert {target} --tls-ca {Path.Combine(folder, "ca.crt")}");
        return ExitCodes.Ok;
    }

    /// <summary>The authority with its key, from DIR/ca.crt and DIR/ca.key.</summary>
    private static X509Certificate2 Authority(string folder, string? password)
    {
        string crt = Path.Combine(folder, "ca.crt"), key = Path.Combine(folder, "ca.key");
        foreach (var f in new[] { crt, key })
            if (!File.Exists(f)) throw new UsageException($"{f}: file not found (make the authority first: leeml-sweep certs init {folder} --hosts ...)");
        try
        {
            var keyPem = File.ReadAllText(key);
            return keyPem.Contains("ENCRYPTED", StringComparison.Ordinal)
                ? password is null ? throw new UsageException($"{key} is protected by a password: give --password (or LEEML_TLS_PASSWORD)")
                    : X509Certificate2.CreateFromEncryptedPem(File.ReadAllText(crt), keyPem, password)
                : X509Certificate2.CreateFromPem(File.ReadAllText(crt), keyPem);
        }
        catch (CryptographicException)
        {
            throw new UsageException($"{crt} and {key} are not a certificate and its key{(password is null ? "" : ", or the password is wrong")}");
        }
    }

    private static void WriteIssued(X509Certificate2 ca, CertificateRole role, string name, IReadOnlyList<string> hosts, string path, string? password, DateTimeOffset now)
    {
        using var issued = ClusterCertificates.Issue(ca, role, name, role == CertificateRole.Node ? [.. hosts, "localhost", "127.0.0.1"] : hosts, now);
        Write(path, issued.ExportPkcs12(Pkcs12ExportPbeParameters.Pbes2Aes256Sha256, password));
    }

    private static string? PasswordOf(string? option) => option ?? Environment.GetEnvironmentVariable("LEEML_TLS_PASSWORD");

    private static IReadOnlyList<string> HostsOf(string[] hosts)
    {
        foreach (var h in hosts)
            if (Uri.CheckHostName(h) == UriHostNameType.Unknown) throw new UsageException($"--hosts: '{h}' is not a host name or address");
        return hosts.Length == 0 ? throw new UsageException("--hosts needs at least one name or address") : hosts;
    }

    private static void Folder(string folder)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(folder);
        else Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>A new file that only its owner can read; an existing one is never replaced.</summary>
    private static void Write(string path, byte[] bytes)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var file = new FileStream(path, options);
        file.Write(bytes);
    }
}
