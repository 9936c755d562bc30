using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Runner;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;
using VhostLog.Series;
using VhostLog.Series.Verify;

namespace VhostLog.Sessions;

/// <summary>vhostlog verify as a library call: the series applied to a pristine copy and checked with the kernel's tools, the harness and a boot.</summary>
public static class VerifySession
{
    /// <summary>
    /// Verifies a series; the generated functions are those the model states
    /// of its emitted patches change (a patch present or not applicable in
    /// the tree generated nothing there).
    /// </summary>
    /// <param name="boot">run the real-kernel stage (tests of the other checks leave it out)</param>
    /// <param name="progress">where each step begun is said (default: stderr)</param>
    /// <param name="caches">kbuilds and boots the caller shares between calls (null: everything runs)</param>
    public static VerifyReport Run(string repo, TargetTree target, string seriesDir, bool boot = true, CancellationToken cancel = default,
        IProgress<string>? progress = null, ResultCaches? caches = null)
    {
        var definition = SeriesDefinition.Load(Path.Combine(repo, "templates"));
        var translation = Translators.Create(repo);
        var generated = SeriesFolder.Emitted(definition, seriesDir)
            .Where(p => p.State is not null)
            .SelectMany(p => translation.Changes(p.State!))
            .Select(f => new GeneratedFunction(f.CFile, f.Name, 0, 0))
            .Distinct()
            .ToList();
        return SeriesVerifier.Verify(
            new VerifyRequest(target.Dir, seriesDir, target.HeadersDir, generated, Targets.WorkRoot(repo))
            {
                PatchedTreeCheck = root => PatchedTreeEquivalence(repo, target, root, cancel),
                Cancel = cancel,
                KbuildResults = caches?.Kbuild,
                ChecksDir = Path.Combine(repo, "templates", "checks"),
                BootCheck = boot
                    ? root => BootSession.VerifyChecks(repo, target, root, seriesDir, cancel, progress, caches?.Boot)
                    : null,
            },
            progress ?? new Progress<string>(m => Console.Error.WriteLine($"  {m}")));
    }

    /// <summary>Cases per function: CI's coverage floor, so verify's verdict is as strong as make check's.</summary>
    public const int EquivCases = 10_000;

    /// <summary>
    /// `equiv --tree PATCHED --semantics after` on the patched copy: every
    /// harness function the tree has must behave as the last model state.
    /// </summary>
    public static CheckResult PatchedTreeEquivalence(string repo, TargetTree target, string patchedRoot, CancellationToken cancel = default)
    {
        VariantSource source;
        try
        {
            source = FunctionSources.FromTree($"patched-{target.Name}", patchedRoot, target.HeadersDir);
        }
        catch (UsageException e)
        {
            return new CheckResult(CheckNames.Equivalence, false, "the harness cannot take the patched tree's functions", e.Message);
        }
        var semantics = Semantics.After;
        var options = new EquivOptions([.. source.Functions], EquivCases, MutantsSession.CiSeed) { Cancel = cancel };
        var result = EquivSession.Run(repo, source, ManagedEngine.For(semantics), semantics, options, sanitize: false);
        var details = new System.Text.StringBuilder();
        foreach (var f in result.Functions)
            details.AppendLine($"{f.Function}: {f.Cases} cases, {f.Divergences} divergences, {f.SpecFindings} specification findings ({f.Presence})");
        foreach (var d in result.Divergences)
            details.AppendLine($"divergence in {d.Function}: {CaseJson.Describe(d.Minimised)}")
                .AppendLine($"  model:  {CaseJson.Describe(d.Model, d.Minimised)}")
                .AppendLine($"  native: {CaseJson.Describe(d.Native, d.Minimised)}");
        var compared = result.Functions.Count(f => f.Compared);
        var summary = result.Equivalent
            ? $"{compared} functions x {EquivCases} cases (seed {MutantsSession.CiSeed}) equal to {ManagedEngine.For(semantics).State}"
            : $"{result.Divergences.Length} divergence(s), {result.Functions.Count(f => f.Mismatch)} function(s) on one side only";
        return new CheckResult(CheckNames.Equivalence, result.Equivalent, summary, details.ToString())
        {
            Claim = $"The patched tree's {compared} harness functions behave as the model on {EquivCases:N0} cases each.",
        };
    }
}
