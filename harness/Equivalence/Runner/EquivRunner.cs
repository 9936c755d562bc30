using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Native;

namespace VhostLog.Equivalence.Runner;

public sealed record EquivOptions(
    IReadOnlyList<Function> Functions,
    int Cases,
    ulong Seed,
    int ShardIndex = 0,
    int ShardCount = 1)
{
    /// <summary>Stops the run between chunks of cases (Ctrl-C, SIGTERM); the native worker is ended by its owner.</summary>
    public CancellationToken Cancel { get; init; }
}

/// <summary>A case on which the model and the native variant disagree, minimised.</summary>
public sealed record Divergence(
    Function Function,
    int CaseIndex,
    LogCase Original,
    LogCase Minimised,
    Observation Model,
    Observation Native);

/// <summary>
/// Which side has a function: the scsi.c log ones exist only from patch 6 on;
/// OtherForm: the C has it in the form before the patch that changes its
/// signature, compared with that form's model, whatever state the others
/// use (<see cref="Forms.OtherFormLabel"/>).
/// </summary>
public enum Presence { Both, Neither, ModelOnly, CodeOnly, OtherForm }

public static class Forms
{
    /// <summary>Which earlier form a function of Presence.OtherForm has, and whose model it is compared with.</summary>
    public static string OtherFormLabel(Function f) => f == Function.vhost_scsi_get_desc
        ? "form before patch 5, model Baseline"
        : "form before patches 2/3, model BeforeFixes";
}

public sealed record FunctionResult(Function Function, int Cases, int Divergences, int SpecFindings, TimeSpan Elapsed,
    Presence Presence = Presence.Both)
{
    /// <summary>A function one side has and the other lacks is a difference in itself.</summary>
    public bool Mismatch => Presence is Presence.ModelOnly or Presence.CodeOnly;

    public bool Compared => Presence is Presence.Both or Presence.OtherForm;
}

public sealed record EquivResult(
    string Variant,
    Semantics Semantics,
    ulong Seed,
    ImmutableArray<FunctionResult> Functions,
    ImmutableArray<Divergence> Divergences,
    ImmutableArray<SpecFinding> SpecFindings)
{
    public bool Equivalent => Divergences.IsEmpty && !Functions.Any(f => f.Mismatch);
}

/// <summary>Runs the same generated cases on the model and on a native worker and compares them.</summary>
public sealed class EquivRunner(ManagedEngine model, NativeWorker native, string variantName, Semantics semantics,
    IReadOnlyCollection<Function> variantFunctions, IReadOnlyCollection<Function>? variantOtherForms = null)
{
    /// <summary>The seed a function's cases are drawn with: each function gets a sequence of its own from the run's seed.</summary>
    public static ulong FunctionSeed(ulong seed, Function function) => seed + (ulong)function * 0x9E3779B97F4A7C15UL;

    public EquivResult Run(EquivOptions options, IProgress<(Function Function, int Done, int Total)>? progress = null)
    {
        var results = ImmutableArray.CreateBuilder<FunctionResult>();
        var divergences = ImmutableArray.CreateBuilder<Divergence>();
        var findings = ImmutableArray.CreateBuilder<SpecFinding>();
        // The response functions the C has in their old form run in that form on the model too.
        model.OldForms = variantOtherForms is null ? [] : variantOtherForms.ToHashSet();
        foreach (var function in options.Functions)
        {
            var oldForm = variantOtherForms?.Contains(function) == true;
            var presence = (model.Supports(function), variantFunctions.Contains(function)) switch
            {
                (true, true) when oldForm => Presence.OtherForm,
                (true, true) => Presence.Both,
                (true, false) => Presence.ModelOnly,
                (false, true) => Presence.CodeOnly,
                _ => Presence.Neither,
            };
            if (presence is not (Presence.Both or Presence.OtherForm))
            {
                results.Add(new FunctionResult(function, 0, 0, 0, TimeSpan.Zero, presence));
                continue;
            }
            var clock = Stopwatch.StartNew();
            var run = RunPipelined(function, options, progress);
            // Minimised after the pipeline, which has the worker to itself while it runs.
            if (run.FirstDivergence is { } first)
                divergences.Add(Minimise(function, first.Index, first.Case));
            if (run.FirstFinding is { } finding)
                findings.Add(MinimiseFinding(finding));
            results.Add(new FunctionResult(function, run.Cases, run.Diverged, run.Broken, clock.Elapsed, presence));
        }
        return new EquivResult(variantName, semantics, options.Seed, results.ToImmutable(), divergences.ToImmutable(), findings.ToImmutable());
    }

    /// <summary>What the cases of one function gave, before minimisation.</summary>
    sealed record PipelineResult(int Cases, int Diverged, int Broken, (int Index, LogCase Case)? FirstDivergence, LogCase? FirstFinding);

    /// <summary>Cases per hand-over between the stages of the pipeline.</summary>
    const int Chunk = 256;

    /// <summary>Chunks a stage may hand over before the next has taken them.</summary>
    const int ChunksInFlight = 8;

    /// <summary>
    /// The cases of one function through three stages that overlap on a
    /// two-core machine: drawing the cases, the native worker (its own
    /// thread and process) and, on the calling thread, the model, the
    /// comparison and the specification oracle. Each stage takes chunks as
    /// soon as the one before hands them over, so neither engine waits for
    /// the other at chunk boundaries, and nobody waits for all the cases to
    /// be drawn. Verdicts are those of running the cases one by one in order.
    /// </summary>
    PipelineResult RunPipelined(Function function, EquivOptions options, IProgress<(Function Function, int Done, int Total)>? progress)
    {
        // Every shard draws the same sequence and keeps its own slice, so
        // a sharded run covers exactly the cases of an unsharded one.
        var total = (options.Cases - options.ShardIndex + options.ShardCount - 1) / options.ShardCount;
        // A cancellation (Ctrl-C) reaches every stage at once, the native one
        // included: a worker that hangs is stopped, not waited for.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(options.Cancel);
        // Bounded: drawing is several times faster than either engine, and
        // unbounded queues would let it run ahead by the whole run, holding
        // every case of a long run (--cases 10000000) on the heap at once.
        using var forModel = new BlockingCollection<List<(LogCase Case, int Index)>>(ChunksInFlight);
        using var forNative = new BlockingCollection<List<LogCase>>(ChunksInFlight);
        using var answered = new BlockingCollection<IReadOnlyList<Observation>>(ChunksInFlight);
        var draw = Task.Run(() =>
        {
            try
            {
                var chunk = new List<(LogCase Case, int Index)>(Chunk);
                var index = 0;
                void HandOver()
                {
                    forNative.Add(chunk.Select(x => x.Case).ToList(), stop.Token);
                    forModel.Add(chunk, stop.Token);
                    chunk = new List<(LogCase Case, int Index)>(Chunk);
                }
                CaseGenerator.Draw(function, options.Cases, FunctionSeed(options.Seed, function), c =>
                {
                    stop.Token.ThrowIfCancellationRequested();
                    if (index % options.ShardCount == options.ShardIndex)
                        chunk.Add((c, index));
                    index++;
                    if (chunk.Count == Chunk)
                        HandOver();
                });
                if (chunk.Count > 0)
                    HandOver();
            }
            finally
            {
                forNative.CompleteAdding();
                forModel.CompleteAdding();
            }
        });
        var runNative = Task.Run(() =>
        {
            try
            {
                foreach (var chunk in forNative.GetConsumingEnumerable(stop.Token))
                    answered.Add(native.Run(chunk, stop.Token), stop.Token);
            }
            finally
            {
                answered.CompleteAdding();
            }
        });
        var done = 0;
        var diverged = 0;
        var broken = 0;
        (int Index, LogCase Case)? firstDivergence = null;
        LogCase? firstFinding = null;
        try
        {
            foreach (var chunk in forModel.GetConsumingEnumerable(stop.Token))
            {
                var modelObs = new Observation[chunk.Count];
                for (var k = 0; k < chunk.Count; k++)
                    modelObs[k] = model.Run(chunk[k].Case);
                // No answer: the native stage failed; its exception is thrown below.
                if (!answered.TryTake(out var nativeObs, Timeout.Infinite, stop.Token))
                    break;
                for (var k = 0; k < chunk.Count; k++)
                {
                    if (modelObs[k].SameAs(nativeObs[k]))
                    {
                        // The C behaves like the model; does it behave like the specification?
                        if (SpecOracle.Check(chunk[k].Case, nativeObs[k], semantics) is not null && ++broken == 1)
                            firstFinding = chunk[k].Case;
                        continue;
                    }
                    if (++diverged == 1)
                        firstDivergence = (chunk[k].Index, chunk[k].Case);
                }
                done += chunk.Count;
                options.Cancel.ThrowIfCancellationRequested();
                progress?.Report((function, done, total));
            }
        }
        finally
        {
            // On the way out (also on an exception here) the other stages
            // stop, so that nothing else uses the worker afterwards.
            if (done < total)
                stop.Cancel();
            try
            {
                Task.WaitAll(draw, runNative);
            }
            catch (AggregateException e) when (stop.IsCancellationRequested
                                               && e.Flatten().InnerExceptions.All(x => x is OperationCanceledException))
            {
            }
            catch (AggregateException e)
            {
                ExceptionDispatchInfo.Throw(e.Flatten().InnerExceptions.First(x => x is not OperationCanceledException));
            }
        }
        return new PipelineResult(done, diverged, broken, firstDivergence, firstFinding);
    }

    /// <summary>Runs one case on both engines.</summary>
    public (Observation Model, Observation Native) Compare(LogCase c) => (model.Run(c), native.Run([c])[0]);

    /// <summary>The smallest input on which the C still breaks the specification.</summary>
    SpecFinding MinimiseFinding(LogCase original)
    {
        var minimised = Shrinker.Shrink(original, c =>
        {
            var (m, n) = Compare(c);
            return m.SameAs(n) && SpecOracle.Check(c, n, semantics) is not null;
        });
        return SpecOracle.Check(minimised, native.Run([minimised])[0], semantics)!;
    }

    Divergence Minimise(Function function, int index, LogCase original)
    {
        var minimised = Shrinker.Shrink(original, c =>
        {
            var (m, n) = Compare(c);
            return !m.SameAs(n);
        });
        var (model, nativeObs) = Compare(minimised);
        return new Divergence(function, index, original, minimised, model, nativeObs);
    }
}
