using System.Diagnostics;
using System.Runtime.InteropServices;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Native;
using VhostLog.Equivalence.Runner;
using VhostLog.Sessions;

namespace VhostLog.Bench;

/// <summary>
/// The CPU one equiv case costs in each stage, µs per case: drawing it,
/// the model, comparing the observations (and the specification oracle),
/// the .NET side of the binary wire, and the native worker process.
/// </summary>
public sealed record CaseStages(Function Function, int Cases, double Draw, double Model, double Compare, double DotnetWire, double Worker)
{
    public double Total => Draw + Model + Compare + DotnetWire + Worker;

    /// <summary>
    /// Cases/s with every stage perfectly parallel on <paramref name="cores"/>
    /// cores and nothing else running: no pipeline on this machine can beat it.
    /// </summary>
    public double Ceiling(int cores) => cores * 1e6 / Total;
}

/// <summary>
/// Runs the cases `./vhostlog equiv --generated` runs (its default seed,
/// each function's own sequence) through each stage on its own, one after
/// the other, so that each stage's cost can be read off: equiv's seconds
/// only give the pipeline's wall-clock, in which the stages overlap.
/// </summary>
public static class CaseStageTimings
{
    public static IReadOnlyList<CaseStages> Measure(string repo, int cases, int rounds)
    {
        // As equiv --generated: the C generated from the last model state, compared with that state.
        var setup = EquivSession.Resolve(repo, new EquivRequest(Tree: null, Generated: true, Semantics: null, State: null));
        var worker = EquivSession.BuildWorker(repo, setup.Source, sanitize: false);
        var model = setup.Engine;
        model.OldForms = setup.Source.OtherFormsOrEmpty.ToHashSet();
        var stages = new List<CaseStages>();
        foreach (var function in setup.Source.Functions.Where(model.Supports))
        {
            var seed = EquivRunner.FunctionSeed(EquivSession.DefaultSeed, function);
            var draw = DrawTimings.Measure(function, cases, rounds, _ => seed);
            var drawn = CaseGenerator.Sample(function, cases, seed);
            // An untimed start: the JIT, and (for the worker) its start-up, which the baseline run also pays.
            var warmUp = drawn.Take(cases / 10).ToList();

            foreach (var c in warmUp)
                model.Run(c);
            var modelObservations = new Observation[cases];
            var modelMicroseconds = Fastest(rounds, () =>
            {
                for (var k = 0; k < cases; k++)
                    modelObservations[k] = model.Run(drawn[k]);
            });

            // The worker's CPU is its own (user + system), counted when it is reaped; a
            // worker that runs only the warm-up gives the start-up and exit to subtract.
            var baseline = ChildrenCpu(() =>
            {
                using var native = new NativeWorker(worker, new NativeWorkerOptions { Wire = WireFormat.Binary });
                native.Run(warmUp);
            });
            IReadOnlyList<Observation> nativeObservations = [];
            var dotnetWire = TimeSpan.Zero;
            var measured = ChildrenCpu(() =>
            {
                using var native = new NativeWorker(worker, new NativeWorkerOptions { Wire = WireFormat.Binary });
                native.Run(warmUp);
                // This thread waits without CPU while the worker runs a batch, so its own
                // CPU during Run is encoding, decoding and the pipe system calls.
                var before = ThreadCpu();
                nativeObservations = native.Run(drawn);
                dotnetWire = ThreadCpu() - before;
            });

            var compareMicroseconds = Fastest(rounds, () =>
            {
                for (var k = 0; k < cases; k++)
                    if (modelObservations[k].SameAs(nativeObservations[k]))
                        SpecOracle.Check(drawn[k], nativeObservations[k], setup.Semantics);
            });
            stages.Add(new CaseStages(function, cases, draw.MicrosecondsPerCase, modelMicroseconds / cases, compareMicroseconds / cases,
                dotnetWire.TotalMicroseconds / cases, (measured - baseline).TotalMicroseconds / cases));
        }
        return stages;
    }

    /// <summary>The fastest of the rounds' wall-clock, µs: other processes only ever slow a round down.</summary>
    static double Fastest(int rounds, Action round)
    {
        var best = double.PositiveInfinity;
        for (var r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            round();
            best = Math.Min(best, clock.Elapsed.TotalMicroseconds);
        }
        return best;
    }

    const int RusageThread = 1;
    const int RusageChildren = -1;

    /// <summary>
    /// The CPU of the child processes reaped while <paramref name="run"/> runs
    /// (nothing else of this process starts any meanwhile). The kernel adds a
    /// child's CPU at microsecond resolution, unlike /proc/pid/stat's 10 ms ticks.
    /// </summary>
    static TimeSpan ChildrenCpu(Action run)
    {
        var before = Usage(RusageChildren);
        run();
        return Usage(RusageChildren) - before;
    }

    static TimeSpan ThreadCpu() => Usage(RusageThread);

    /// <summary>ru_utime + ru_stime of getrusage(2); struct rusage is 18 longs on 64-bit Linux, the two timevals first.</summary>
    static TimeSpan Usage(int who)
    {
        var usage = new long[18];
        if (GetRusage(who, usage) != 0)
            throw new InvalidOperationException($"getrusage({who}) failed: errno {Marshal.GetLastPInvokeError()}");
        return TimeSpan.FromMicroseconds((usage[0] + usage[2]) * 1e6 + usage[1] + usage[3]);
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    static extern int GetRusage(int who, [Out] long[] usage);
}
