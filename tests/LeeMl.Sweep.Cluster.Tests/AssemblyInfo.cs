// Each test runs a whole cluster of processes on a 2-core machine: one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
[assembly: TestCollectionOrderer(LeeMl.Sweep.Cluster.Tests.TimedLastOrderer.Name, LeeMl.Sweep.Cluster.Tests.StepOrderer.Assembly)]
