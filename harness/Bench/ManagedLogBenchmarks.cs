using BenchmarkDotNet.Attributes;
using VhostLog.Equivalence.Bench;

namespace VhostLog.Bench;

/// <summary>
/// The managed model on each workload. BenchmarkDotNet needs a public,
/// unsealed class with a parameter it can list; the workload is set up once
/// so that a measured call is the model call alone.
/// </summary>
public class ManagedLogBenchmarks
{
    ManagedWorkload workload = null!;

    public static IEnumerable<string> Workloads => BenchWorkload.All.Select(w => w.Name);

    [ParamsSource(nameof(Workloads))]
    public string Workload { get; set; } = "";

    [GlobalSetup]
    public void Setup() => workload = new ManagedWorkload(BenchWorkload.Named(Workload));

    [Benchmark]
    public int Log() => workload.Run();
}
