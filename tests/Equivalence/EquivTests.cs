using System.Diagnostics;
using NUnit.Framework;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Runner;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;
using VhostLog.Sessions;

namespace VhostLog.Tests.Equivalence;

/// <summary>
/// The before/after checks on the default tree (the pristine tree behaves
/// like the before model, the generated and the patched C like the after
/// model, and the two differ only where the series changes behaviour), and
/// the mutants that show the comparison can fail.
/// </summary>
public sealed class EquivTests
{
    /// <summary>Cases per function in CI; every mutant must be caught at this count.</summary>
    public const int CiCases = MutantsSession.CiCases;

    const ulong CiSeed = MutantsSession.CiSeed;

    /// <summary>Cases per function of CI's checks of the trees and the generated C (the project's floor).</summary>
    public const int CoverageCases = 10_000;

    static EquivOptions Options(int cases = CoverageCases) => new(Enum.GetValues<Function>(), cases, CiSeed);

    static VariantSource Pristine() =>
        FunctionSources.FromTree("tree-linux-6.12.117", Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir);

    static VariantSource Generated(string state) =>
        FunctionSources.Generated($"generated-{state}", Repo.Translation(), state, Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir);

    static EquivResult Run(VariantSource source, string semantics, EquivOptions? options = null, bool sanitize = false) =>
        EquivSession.Run(Repo.Root, source, ManagedEngine.For(Semantics.Parse(semantics)), Semantics.Parse(semantics), options ?? Options(), sanitize);

    static string Summary(EquivResult r) =>
        string.Join("\n", r.Divergences.Select(d =>
            $"{d.Function}: {CaseJson.Describe(d.Minimised)}\n  model: {CaseJson.Describe(d.Model, d.Minimised)}\n  native: {CaseJson.Describe(d.Native, d.Minimised)}"));

    [Test]
    public void PristineTreeEqualsBeforeModel()
    {
        var r = Run(Pristine(), "before");
        // The three of vhost.c, scsi.c's two response functions and
        // vhost_scsi_get_desc() (in its form before patch 5); the log
        // functions of the series are not in the pristine tree.
        Assert.That(r.Functions.Sum(f => f.Cases), Is.EqualTo(6 * CoverageCases));
        Assert.That(r.Functions.Single(f => f.Function == Function.vhost_scsi_get_desc).Presence, Is.EqualTo(Presence.OtherForm));
        Assert.That(r.Functions.Where(f => f.Function is Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target)
            .Select(f => (f.Cases, f.SpecFindings)), Is.All.EqualTo((CoverageCases, 0)), "the fixed response functions keep the specification");
        Assert.That(r.Equivalent, Summary(r));
        // The specification oracle: log_write keeps it; log_write_hva (and
        // vhost_log_write through it) return 0 for partly unmapped ranges.
        Assert.That(r.Functions.Single(f => f.Function == Function.log_write).SpecFindings, Is.Zero);
        Assert.That(r.Functions.Single(f => f.Function == Function.log_write_hva).SpecFindings, Is.GreaterThan(0));
        var hva = r.SpecFindings.First(f => f.Function == Function.log_write_hva);
        Assert.That(hva.Explanation, Does.Contain("no guest mapping"));
        Assert.That(hva.Input.Umem.Length, Is.LessThanOrEqualTo(1), "the finding is minimised");
    }

    /// <summary>"after" is the state the default series leaves (not opt-in patch 9's LogNumWarn).</summary>
    [Test]
    public void AfterMeansTheLastStateOfTheDefaultSeries()
    {
        var definition = VhostLog.Series.SeriesDefinition.Load(Path.Combine(Repo.Root, "templates"));
        var lastDefault = definition.Selected([]).Last(p => p.State is not null).State;
        Assert.That(ManagedEngine.For(Semantics.After).State, Is.EqualTo(lastDefault));
        Assert.That(ManagedEngine.For(Semantics.After).State, Is.Not.EqualTo(Repo.Translation().States()[^1]), "the last model state is opt-in");
    }

    /// <summary>The model marks a state opt-in exactly where templates/series.json marks its patch optIn.</summary>
    [Test]
    public void OptInStatesAreTheSeriesOptInPatches()
    {
        var definition = VhostLog.Series.SeriesDefinition.Load(Path.Combine(Repo.Root, "templates"));
        var series = definition.Patches.Where(p => p.State is not null).ToDictionary(p => p.State!, p => p.OptIn);
        foreach (var s in VhostLog.Models.ModelStates.All.Where(s => series.ContainsKey(s.Name)))
            Assert.That(s.OptIn, Is.EqualTo(series[s.Name]), $"{s.Name}: [ModelState(OptIn)] and series.json's optIn differ");
        Assert.That(VhostLog.Models.ModelStates.All.Count(s => s.OptIn), Is.EqualTo(series.Count(kv => kv.Value)));
    }

    [Test]
    public void GeneratedAfterEqualsAfterModel()
    {
        var r = Run(Generated(ManagedEngine.For(Semantics.After).State), "after");
        Assert.That(r.Equivalent, Summary(r));
        // CI's floor: every function of the harness, compared, at CoverageCases cases in make check.
        Assert.That(r.Functions.Select(f => (f.Function, f.Presence, f.Cases)),
            Is.EqualTo(Enum.GetValues<Function>().Select(f => (f, Presence.Both, CoverageCases))));
    }

    [Test]
    public void GeneratedBeforeEqualsBeforeModel()
    {
        var r = Run(Generated("Baseline"), "before");
        Assert.That(r.Equivalent, Summary(r));
    }

    /// <summary>The committed series, applied with patch(1) to a copy of the tree, gives functions equal to the last state.</summary>
    [Test]
    public void PatchedTreeEqualsAfterModel()
    {
        var tree = PatchedTree();
        var source = FunctionSources.FromTree("tree-patched", tree, DefaultTree.Debian612.HeadersDir);
        Assert.That(source.Functions, Is.EquivalentTo(Enum.GetValues<Function>()), "the patched tree has every harness function");
        var r = Run(source, "after");
        Assert.That(r.Equivalent, Summary(r));
    }

    /// <summary>The shim's struct vhost_scsi_cmd is checked against the tree before the functions are compiled.</summary>
    [Test]
    public void ShimStructThatDisagreesWithTheTreeIsRefused()
    {
        var tree = PatchedTree();
        var scsi = Path.Combine(tree, "drivers", "vhost", "scsi.c");
        var text = File.ReadAllText(scsi);
        Assert.That(text, Does.Contain("\tunsigned int tvc_log_num;"));
        File.WriteAllText(scsi, text.Replace("\tunsigned int tvc_log_num;", "\tu16 tvc_log_num;"));
        var e = Assert.Throws<UsageException>(() => FunctionSources.FromTree("tree-changed", tree, DefaultTree.Debian612.HeadersDir))!;
        Assert.That(e.Message, Does.Contain("tvc_log_num").And.Contain("u16").And.Contain("scsi_env.h"));
    }

    /// <summary>scsi.c's virtqueue numbers, copied into scsi_env.h, are checked against the tree's enum.</summary>
    [Test]
    public void VirtqueueNumbersThatDisagreeWithTheTreeAreRefused()
    {
        var tree = PatchedTree();
        var scsi = Path.Combine(tree, "drivers", "vhost", "scsi.c");
        var text = File.ReadAllText(scsi);
        Assert.That(text, Does.Contain("\tVHOST_SCSI_VQ_IO = 2,"));
        File.WriteAllText(scsi, text.Replace("\tVHOST_SCSI_VQ_IO = 2,", "\tVHOST_SCSI_VQ_IO = 3,"));
        var e = Assert.Throws<UsageException>(() => FunctionSources.FromTree("tree-changed", tree, DefaultTree.Debian612.HeadersDir))!;
        Assert.That(e.Message, Does.Contain("VHOST_SCSI_VQ_IO is 3 in the tree but 2 in scsi_env.h"));
    }

    /// <summary>
    /// A copy of the tree's drivers/vhost and include/linux with the committed
    /// series applied by patch(1), each patch's text first passed through <paramref name="edit"/>.
    /// </summary>
    internal static string PatchedTree(Func<string, string>? edit = null)
    {
        var tree = Repo.TempDir("patched");
        foreach (var rel in new[] { "drivers/vhost", "include/linux" })
        {
            Directory.CreateDirectory(Path.Combine(tree, rel));
            foreach (var f in Directory.GetFiles(Path.Combine(Repo.DefaultTreeDir, rel)))
                File.Copy(f, Path.Combine(tree, rel, Path.GetFileName(f)));
        }
        foreach (var patch in Directory.GetFiles(Path.Combine(Repo.Root, "out", "linux-6.12.117"), "00*.patch")
                     .Where(f => !Path.GetFileName(f).StartsWith("0000-", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var psi = new ProcessStartInfo("patch", ["-p1", "--quiet"])
            {
                WorkingDirectory = tree, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using var p = Process.Start(psi)!;
            var text = File.ReadAllText(patch);
            p.StandardInput.Write(edit is null ? text : edit(text));
            p.StandardInput.Close();
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.That(p.ExitCode, Is.EqualTo(0), $"{Path.GetFileName(patch)} does not apply: {output}");
        }
        return tree;
    }

    [Test]
    public void PristineTreeUnderSanitizersEqualsBeforeModel()
    {
        var r = Run(Pristine(), "before", Options(1000), sanitize: true);
        Assert.That(r.Equivalent, Summary(r));
    }

    /// <summary>The series changes behaviour exactly in vhost_log_write: the old BUG() and U64_MAX.</summary>
    [Test]
    public void PristineTreeDivergesFromAfterModelInVhostLogWriteOnly()
    {
        var r = Run(Pristine(), "after");
        Assert.That(r.Divergences.Select(d => d.Function), Is.EqualTo(new[] { Function.vhost_log_write }));
        Assert.That(r.Functions.Where(f => f.Mismatch).Select(f => (f.Function, f.Presence)), Is.EqualTo(new[]
        {
            (Function.vhost_scsi_log_write, Presence.ModelOnly), (Function.vhost_scsi_copy_cmd_log, Presence.ModelOnly),
            (Function.vhost_scsi_copy_tmf_log, Presence.ModelOnly), (Function.vhost_scsi_destroy_vq_log, Presence.ModelOnly),
            (Function.vhost_scsi_destroy_logs, Presence.ModelOnly),
        }), "the pristine tree lacks the functions patches 6 and 7 add");
        var d = r.Divergences[0];
        Assert.That(d.Native.Outcome, Is.EqualTo(Outcome.Bug), "the pristine tree reaches BUG() where the patched model returns");
        Assert.That(d.Model.Outcome, Is.EqualTo(Outcome.Returned));
        Assert.That(d.Minimised.Log.Length, Is.LessThanOrEqualTo(1), "the reproducer is minimised");
        Assert.That(d.Minimised.Mapped, Is.Empty);
    }

    /// <summary>With len == U64_MAX the before model runs into BUG() and the after model logs every entry.</summary>
    [Test]
    public void U64MaxSeparatesTheStates()
    {
        var c = new LogCase(Function.vhost_log_write, CaseGenerator.BitmapBase,
            [new UserRange(CaseGenerator.BitmapBase, 4096)], false, [], true, 0, ulong.MaxValue,
            [new LogEntry(0, 4096), new LogEntry(0x3000, 2)], []);
        var before = ManagedEngine.For(Semantics.Before).Run(c);
        var after = ManagedEngine.For(Semantics.After).Run(c);
        Assert.That(before.Outcome, Is.EqualTo(Outcome.Bug));
        Assert.That(after.Outcome, Is.EqualTo(Outcome.Returned));
        Assert.That(after.Signals, Is.EqualTo(1));
        Assert.That(after.Bytes, Is.EqualTo(new[] { (CaseGenerator.BitmapBase, (byte)0b1001) }));
    }

    public static IEnumerable<string> Mutants() =>
        Directory.GetFiles(Path.Combine(Repo.Root, "tests", "Equivalence", "mutants"), "*.patch")
            .Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    [Test]
    public void TheCorpusHoldsAtLeastFifteenMutantsOverEveryFunction()
    {
        var corpus = VhostLog.Equivalence.Mutation.Mutants.InFolder(MutantDir);
        Assert.That(corpus, Has.Count.GreaterThanOrEqualTo(15));
        var text = string.Join("\n", corpus.Select(m => File.ReadAllText(m.PatchPath)));
        var generated = Generated(ManagedEngine.For(Semantics.After).State).FunctionsC;
        // Each function's hunks sit between its definition and the next.
        foreach (var f in FunctionSources.Functions)
            Assert.That(corpus.Any(m => MutatedFunctions(generated, m).Contains(f)), $"no mutant breaks {f}");
    }

    static string MutantDir => Path.Combine(Repo.Root, "tests", "Equivalence", "mutants");

    /// <summary>The functions whose lines a mutant's hunks touch.</summary>
    static HashSet<string> MutatedFunctions(string generated, VhostLog.Equivalence.Mutation.Mutant m)
    {
        var lines = generated.Split('\n');
        var owner = new string[lines.Length + 1];
        var current = "";
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("/* ", StringComparison.Ordinal) && lines[i].Contains(": generated from model state", StringComparison.Ordinal))
                current = lines[i][3..lines[i].IndexOf(':', StringComparison.Ordinal)];
            owner[i + 1] = current;
        }
        var found = new HashSet<string>();
        foreach (var hunk in File.ReadLines(m.PatchPath).Where(l => l.StartsWith("@@ -", StringComparison.Ordinal)))
        {
            var start = int.Parse(hunk[4..].Split(',', ' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            found.Add(owner[Math.Min(start + 3, lines.Length)]);
        }
        return found;
    }

    [TestCaseSource(nameof(Mutants))]
    public void MutantIsCaught(string mutant)
    {
        var m = new VhostLog.Equivalence.Mutation.Mutant(mutant, Path.Combine(MutantDir, mutant + ".patch"));
        var r = MutantsSession.Run(Repo.Root, m);
        Assert.That(r.Equivalent, Is.False, $"mutant {mutant} survived {CiCases} cases per function");
    }

    [Test]
    public void CrashingVariantIsReportedAndTheRunContinues()
    {
        var generated = Generated(ManagedEngine.For(Semantics.After).State);
        var crashing = VhostLog.Equivalence.Mutation.Mutants.Apply(generated,
            new VhostLog.Equivalence.Mutation.Mutant("08-null-dereference", Path.Combine(MutantDir, "08-null-dereference.patch")), Repo.TempDir("mutant"));
        var r = Run(crashing, "after", Options(500));
        Assert.That(r.Functions.Select(f => f.Cases), Is.All.EqualTo(500), "every case ran despite the crashes");
        // vhost_scsi_log_write calls the broken vhost_log_write and crashes with it.
        Assert.That(r.Divergences.Select(x => x.Function), Is.EquivalentTo(new[] { Function.vhost_log_write, Function.vhost_scsi_log_write }));
        var d = r.Divergences.Single(x => x.Function == Function.vhost_log_write);
        Assert.That(d.Native.Outcome, Is.EqualTo(Outcome.Crash));
        Assert.That(d.Native.Detail, Does.Contain("SIGSEGV").Or.Contain("signal"));
        Assert.That(d.Minimised.Log.Length, Is.EqualTo(1));
    }
}
