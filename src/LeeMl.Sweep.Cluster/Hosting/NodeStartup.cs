using Microsoft.Extensions.Logging;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Cluster.Tools.Singleton;
using Akka.Event;
using Akka.Pattern;
using LeeMl.Sweep.Cluster.Dispatch;
using LeeMl.Sweep.Cluster.Jobs;
using LeeMl.Sweep.Cluster.Protocol;
using LeeMl.Sweep.Cluster.Reports;
using LeeMl.Sweep.Cluster.Workers;

namespace LeeMl.Sweep.Cluster.Hosting;

/// <summary>
/// Brings a node up in order once it has joined: a coordinator-role node first checks that the
/// coordinators already running use its store (refusing a silent split), then starts the job
/// entities' shard region, the dispatcher singleton and the report scheduler; a worker node
/// starts its worker. Only then is the node ready.
/// </summary>
public static class NodeStartup
{
    public static void OnJoin(ActorSystem system, NodeRuntime runtime, WorkerOptions? worker)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.RegisterOnMemberUp(() => _ = Task.Run(async () =>
        {
            try
            {
                if (runtime.Settings.IsCoordinator && await StoreMismatch(system, runtime) is { } mismatch)
                {
                    runtime.Fail(NodeFailure.BadConfiguration, mismatch);
                    system.Log.Error(mismatch);
                    await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
                    return;
                }
                Start(system, runtime, worker);
            }
            catch (Exception e)
            {
                runtime.Fail(NodeFailure.Runtime, $"the node could not start its actors: {e.GetBaseException().Message}");
                await CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClrExitReason.Instance);
            }
        }));
    }

    /// <summary>Asks every other coordinator-role member which store it uses; any other than ours is refused.</summary>
    private static async Task<string?> StoreMismatch(ActorSystem system, NodeRuntime runtime)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var mine = runtime.Store!.Identity;
        var others = cluster.State.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(NodeRoles.Coordinator) && !m.UniqueAddress.Equals(cluster.SelfUniqueAddress))
            .Select(m => m.Address).ToList();
        foreach (var address in others)
        {
            StoreInUse theirs;
            try
            {
                theirs = await system.ActorSelection(new RootActorPath(address) / "user" / StoreGuard.Name).Ask<StoreInUse>(WhichStore.Instance, TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
            {
                continue;   // it is starting or stopping; the others decide
            }
            if (theirs.StoreId != mine.Id)
                return $"this node's store {mine} is not the store of the coordinator at {NodeAddress.Of(address)}: " +
                    $"{theirs.Description} (store {theirs.StoreId[..Math.Min(8, theirs.StoreId.Length)]}); every coordinator-role node of a cluster uses the same store (--db)";
        }
        return null;
    }

    private static void Start(ActorSystem system, NodeRuntime runtime, WorkerOptions? worker)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        runtime.Node = NodeAddress.Of(cluster.SelfAddress);
        var extractor = JobRouting.Extractor;
        if (runtime.Settings.IsCoordinator)
        {
            system.ActorOf(Data.BlobServer.Props(runtime.Store!), Data.BlobServer.Name);
            var services = new NodeServices(runtime.Store!, runtime.Node, new JobSettings()) { Dispatcher = runtime.Dispatcher, Specs = runtime.Specs };
            services.Reports = system.ActorOf(ReportScheduler.Props(runtime.Store!, runtime.Renderer!, runtime.Specs, runtime.JobFolder), "reports");
            runtime.Reports = services.Reports;
            var settings = ClusterShardingSettings.Create(system).WithRole(NodeRoles.Coordinator).WithRememberEntities(false)
                .WithStateStoreMode(StateStoreMode.DData);
            runtime.Jobs = ClusterSharding.Get(system).Start(JobRouting.TypeName, id => JobEntity.Props(id, services), settings, extractor);
            // The singleton is a back-off supervisor around the dispatcher: an exception, even in its start, restarts it
            // (1 s, then up to 10 s later) instead of stopping it for good, which a singleton manager would not undo.
            var dispatcher = BackoffSupervisor.Props(Backoff.OnStop(Dispatcher.Props(runtime.Store!, runtime.Jobs), "dispatcher",
                    TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 0.2, maxNrOfRetries: -1)
                .WithSupervisorStrategy(new OneForOneStrategy(e => e is ActorInitializationException ? Directive.Stop : Directive.Restart)));
            system.ActorOf(ClusterSingletonManager.Props(dispatcher, PoisonPill.Instance,
                ClusterSingletonManagerSettings.Create(system).WithRole(NodeRoles.Coordinator).WithSingletonName("dispatcher")), "dispatcher");
        }
        else
        {
            runtime.Jobs = ClusterSharding.Get(system).StartProxy(JobRouting.TypeName, NodeRoles.Coordinator, extractor);
        }
        if (worker is not null)
            runtime.Worker = system.ActorOf(TrialWorker.Props(worker with { Node = runtime.Node, Fetcher = new Data.BlobFetcher(system), Specs = runtime.Specs, TrialLog = AkkaLogger.Factory.CreateLogger(WorkerOptions.TrialLogCategory) }, runtime.Dispatcher, runtime.Jobs), JobEntity.WorkerName);
        runtime.SetReady(cluster.SelfAddress.ToString());
    }
}
