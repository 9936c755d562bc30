using System.Collections.Immutable;
using System.Diagnostics;
using VhostLog.Harness.Cases;
using VhostLog.Harness.Engines;
using VhostLog.Harness.Native;

namespace VhostLog.Harness.Equivalence;

public sealed record EquivOptions(
    IReadOnlyList<Function> Functions,
    int Cases,
    ulong Seed,
    int ShardIndex = 0,
    int ShardCount = 1);

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
/// OtherForm: the C has it in the form before patches 2 and 3, compared with
/// that form's model (BeforeFixes's), whatever state the others use.
/// </summary>
public enum Presence { Both, Neither, ModelOnly, CodeOnly, OtherForm }

public sealed record FunctionResult(Function Function, int Cases, int Divergences, int SpecFindings, TimeSpan Elapsed,
    Presence Presence = Presence.Both)
{
    /// <summary>A function one side has and the other lacks is a difference in itself.</summary>
    public bool Mismatch => Presence is Presence.ModelOnly or Presence.CodeOnly;

    public bool Compared => Presence is Presence.Both or Presence.OtherForm;
}

public sealed record EquivResult(
    string Variant,
    string Semantics,
    ulong Seed,
    ImmutableArray<FunctionResult> Functions,
    ImmutableArray<Divergence> Divergences,
    ImmutableArray<SpecFinding> SpecFindings)
{
    public bool Equivalent => Divergences.IsEmpty && !Functions.Any(f => f.Mismatch);
}

/// <summary>Runs the same generated cases on the model and on a native worker and compares them.</summary>
public sealed class EquivRunner(ManagedEngine model, NativeWorker native, string variantName, string semantics,
    IReadOnlyCollection<Function> variantFunctions, IReadOnlyCollection<Function>? variantOtherForms = null)
{
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
            // Every shard draws the same sequence and keeps its own slice, so
            // a sharded run covers exactly the cases of an unsharded one.
            var all = CaseGenerator.Sample(function, options.Cases, options.Seed + (ulong)function * 0x9E3779B97F4A7C15UL);
            var mine = all.Select((c, i) => (c, i)).Where(x => x.i % options.ShardCount == options.ShardIndex).ToList();
            var diverged = 0;
            var broken = 0;
            const int chunk = 2048;
            for (var start = 0; start < mine.Count; start += chunk)
            {
                var slice = mine.Skip(start).Take(chunk).ToList();
                // The worker is another process: let it run while the model computes.
                var nativeRun = Task.Run(() => native.Run(slice.Select(x => x.c).ToList()));
                var modelObs = slice.Select(x => model.Run(x.c)).ToList();
                var nativeObs = nativeRun.GetAwaiter().GetResult();
                for (var k = 0; k < slice.Count; k++)
                {
                    if (modelObs[k].SameAs(nativeObs[k]))
                    {
                        // The C behaves like the model; does it behave like the specification?
                        if (SpecOracle.Check(slice[k].c, nativeObs[k], semantics) is not null && ++broken == 1)
                            findings.Add(MinimiseFinding(slice[k].c));
                        continue;
                    }
                    diverged++;
                    if (diverged == 1)
                        divergences.Add(Minimise(function, slice[k].i, slice[k].c));
                }
                progress?.Report((function, Math.Min(start + chunk, mine.Count), mine.Count));
            }
            results.Add(new FunctionResult(function, mine.Count, diverged, broken, clock.Elapsed, presence));
        }
        return new EquivResult(variantName, semantics, options.Seed, results.ToImmutable(), divergences.ToImmutable(), findings.ToImmutable());
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
