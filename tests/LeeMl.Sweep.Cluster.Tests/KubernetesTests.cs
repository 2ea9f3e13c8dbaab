using System.Diagnostics;
using LeeMl.Sweep.Cli.Client;
using LeeMl.Sweep.Cluster.Security;
using LeeMl.Sweep.Tests;
using YamlDotNet.RepresentationModel;

namespace LeeMl.Sweep.Cluster.Tests;

/// <summary>deploy/k8s as kustomize renders it (Debian's kubernetes-client): its pods' containers with what every pod needs.</summary>
internal static class Manifests
{
    public static string Render(string folder)
    {
        var start = new ProcessStartInfo(RequiredTool.OnPath("kubectl", "kubernetes-client"), ["kustomize", Path.Combine(RepoPaths.Root, folder)])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd();
        var errors = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, errors);
        return output;
    }

    public static List<YamlMappingNode> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    public static YamlNode? At(YamlNode node, params string[] path)
    {
        foreach (var key in path)
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out node!)) return null;
        return node;
    }

    public static string Text(YamlNode node, params string[] path) => (At(node, path) as YamlScalarNode)?.Value ?? "";

    /// <summary>Every workload's name, pod spec and containers.</summary>
    public static IEnumerable<(string Kind, string Name, YamlMappingNode Pod, IReadOnlyList<YamlMappingNode> Containers)> Workloads(string yaml) =>
        Documents(yaml).Where(d => Text(d, "kind") is "Deployment" or "StatefulSet").Select(d =>
        {
            var pod = (YamlMappingNode)At(d, "spec", "template", "spec")!;
            return (Text(d, "kind"), Text(d, "metadata", "name"), pod, (IReadOnlyList<YamlMappingNode>)[.. ((YamlSequenceNode)At(pod, "containers")!).Children.Cast<YamlMappingNode>()]);
        });
}

public sealed class KubernetesManifestTests
{
    [Theory]
    [InlineData("deploy/k8s", 3)]
    [InlineData("deploy/k8s/gpu-workers", 1)]
    public void Kustomize_renders_pods_with_probes_resource_requests_and_a_non_root_read_only_context(string folder, int workloads)
    {
        var rendered = Manifests.Workloads(Manifests.Render(folder)).ToList();
        Assert.Equal(workloads, rendered.Count);
        foreach (var (kind, name, pod, containers) in rendered)
        {
            Assert.True(Manifests.Text(pod, "securityContext", "runAsNonRoot") == "true", $"{kind} {name}: runAsNonRoot");
            foreach (var c in containers)
            {
                var where = $"{kind} {name}, container {Manifests.Text(c, "name")}";
                Assert.True(Manifests.At(c, "livenessProbe") is not null && Manifests.At(c, "readinessProbe") is not null, $"{where}: probes");
                Assert.True(Manifests.At(c, "resources", "requests", "cpu") is not null && Manifests.At(c, "resources", "requests", "memory") is not null, $"{where}: resource requests");
                Assert.True(Manifests.Text(c, "securityContext", "readOnlyRootFilesystem") == "true", $"{where}: read-only root");
                Assert.True(Manifests.Text(c, "securityContext", "allowPrivilegeEscalation") == "false", $"{where}: no privilege escalation");
                if (Manifests.Text(c, "image").StartsWith("leeml-sweep", StringComparison.Ordinal))
                {
                    Assert.Equal("/healthz", Manifests.Text(c, "livenessProbe", "httpGet", "path"));
                    Assert.Equal("/readyz", Manifests.Text(c, "readinessProbe", "httpGet", "path"));
                    Assert.NotNull(Manifests.At(c, "lifecycle", "preStop"));   // the pod leaves before it goes
                }
            }
        }
        var kinds = Manifests.Documents(Manifests.Render("deploy/k8s")).Select(d => Manifests.Text(d, "kind")).ToList();
        Assert.Equal(2, kinds.Count(k => k == "PodDisruptionBudget"));
        Assert.Contains("clusterIP: None", Manifests.Render("deploy/k8s"));   // the coordinators' headless Service: stable names as seed nodes
    }
}

/// <summary>
/// The node commands of deploy/k8s exactly as the manifests give them — arguments and environment —
/// started as processes: each pod on a loopback address of its own (127.0.0.11, .12 for the
/// coordinators, .21, .22 for the workers) at the manifests' ports, the DNS names of the pods and
/// the database mapped to those addresses and a throwaway PostgreSQL, the Secrets' files made by
/// <c>certs init</c>. They form a cluster and run a job.
/// </summary>
public sealed class KubernetesLoopback : ScenarioCluster
{
    private PostgresServer? _postgres;
    internal CliProcess Submit { get; private set; } = null!;
    internal int Workers { get; private set; }
    internal string WorkerReady { get; private set; } = "";
    internal string Results => Path.Combine(F.Dir, "out", "results.jsonl");

    private static readonly Dictionary<string, string> Addresses = new()
    {
        ["leeml-coordinator-0"] = "127.0.0.11", ["leeml-coordinator-1"] = "127.0.0.12", ["leeml-worker-a"] = "127.0.0.21", ["leeml-worker-b"] = "127.0.0.22",
    };

    public override async Task InitializeAsync()
    {
        _postgres = new PostgresServer();
        var db = _postgres.NewDatabase();
        var certs = Path.Combine(F.Dir, "certs");
        var init = F.Start("certs", "init", certs, "--hosts", string.Join(",", Addresses.Values));
        Assert.True(init.WaitForExit(TimeSpan.FromSeconds(60)) && init.ExitCode == 0, init.Output);

        var workloads = Manifests.Workloads(Manifests.Render("deploy/k8s")).ToDictionary(w => w.Name);
        foreach (var (pod, address) in Addresses)
        {
            var workload = workloads[pod.StartsWith("leeml-coordinator", StringComparison.Ordinal) ? "leeml-coordinator" : "leeml-worker"];
            var container = workload.Containers.Single(c => Manifests.Text(c, "name") == "node");
            var args = ((YamlSequenceNode)Manifests.At(container, "args")!).Children.Select(a => ((YamlScalarNode)a).Value!).ToArray();
            var env = new Dictionary<string, string?>(F.Environment);
            foreach (var e in ((YamlSequenceNode)Manifests.At(container, "env")!).Children.Cast<YamlMappingNode>())
            {
                var name = Manifests.Text(e, "name");
                env[name] = Manifests.At(e, "value") is YamlScalarNode v ? Map(Interpolate(v.Value!, env), address, db, certs, pod)
                    : Manifests.Text(e, "valueFrom", "fieldRef", "fieldPath") switch
                    {
                        "metadata.name" => pod,
                        "status.podIP" => address,
                        _ when Manifests.Text(e, "valueFrom", "secretKeyRef", "name") == "leeml-db" => PostgresServer.Password,
                        var other => throw new InvalidOperationException($"{pod}: {name} from {other}: not mapped"),
                    };
            }
            F.StartAt(Path.Combine(F.Dir, pod), args, env);
        }

        var tls = new TlsOptions(Path.Combine(certs, "client.pfx"), null, Path.Combine(certs, "ca.crt")).Load(CertificateRole.Client);
        using var client = new SweepHttpClient(["127.0.0.11:8053", "127.0.0.12:8053"], TimeSpan.FromSeconds(5), tls);
        await ClusterFixture.WaitForWorkers(client, 2, TimeSpan.FromSeconds(120));
        Workers = (await client.Status()).Nodes.Count(n => n.Roles.Contains("worker"));
        using (var probe = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } }))
            WorkerReady = ((int)(await probe.GetAsync("https://127.0.0.21:8053/readyz")).StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);   // as the kubelet probes: no client certificate
        Submit = F.Start(["submit", F.WriteSpec(TlsCluster.Spec), "--cluster", "127.0.0.11:8053,127.0.0.12:8053", "--wait", "--out", Path.Combine(F.Dir, "out"),
            "--tls-cert", Path.Combine(certs, "client.pfx"), "--tls-ca", Path.Combine(certs, "ca.crt")]);
        Assert.True(Submit.WaitForExit(TimeSpan.FromMinutes(3)), Submit.Output);
    }

    /// <summary>Kubernetes' <c>$(VAR)</c> references to variables defined before.</summary>
    private static string Interpolate(string value, Dictionary<string, string?> env) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"\$\(([A-Z_]+)\)", m => env.GetValueOrDefault(m.Groups[1].Value) ?? m.Value);

    /// <summary>What differs between a pod and a process on this machine: addresses, the store, the mounted files.</summary>
    private string Map(string value, string address, string db, string certs, string pod)
    {
        if (value.StartsWith("postgresql://", StringComparison.Ordinal)) return db;
        if (value == "0.0.0.0") return address;
        foreach (var (name, ip) in Addresses) value = value.Replace($"{name}.leeml-coordinator", ip, StringComparison.Ordinal);
        return value.Replace("/etc/leeml/tls", certs, StringComparison.Ordinal)
            .Replace("/var/lib/leeml", Path.Combine(F.Dir, pod, "lib"), StringComparison.Ordinal)
            .Replace("/var/cache/leeml", Path.Combine(F.Dir, pod, "cache"), StringComparison.Ordinal);
    }

    public override Task DisposeAsync()
    {
        F.Dispose();
        _postgres?.Dispose();
        return Task.CompletedTask;
    }
}

[Trait("Category", "Cluster")]
public sealed class KubernetesLoopbackTests(KubernetesLoopback cluster) : IClassFixture<KubernetesLoopback>
{
    [Fact]
    public void The_manifests_node_commands_form_a_cluster_whose_workers_are_ready_and_run_a_job()
    {
        Assert.Equal(2, cluster.Workers);
        Assert.Equal("200", cluster.WorkerReady);
        Assert.True(cluster.Submit.ExitCode == 0, cluster.Submit.Output);
        Assert.Equal(3 * 3, File.ReadAllLines(cluster.Results).Length);
    }
}
