using System.Collections.Immutable;
using System.Diagnostics;
using VhostLog.Equivalence.Protocol;
using VhostLog.Models.Kernel;

namespace VhostLog.Chains;

/// <summary>A case where the kernel broke the invariant, disagreed with the oracle, or killed the driver.</summary>
public sealed record ChainFinding(string Kind, string Category, long Id, string Detail, string Input);

/// <summary>One category's figures.</summary>
public sealed record CategoryStats(string Category, long Cases, long Errors, long Valid, bool InvariantHolds, long Violations,
    long Disagreements, long Crashes, long Lenient, uint MaxLogNum, uint MaxInNum, uint MaxIovLimitAtMaxLog,
    ImmutableSortedDictionary<string, long> ErrnoCounts, long ModelDivergences = 0);

/// <param name="Model">the model state compared with the tree on every case (null: none)</param>
public sealed record CampaignReport(string Tree, int Seed, long Cases, double Seconds, double CasesPerSecond,
    ImmutableArray<CategoryStats> Categories, ImmutableArray<ChainFinding> Findings, string? Model = null)
{
    public long ModelDivergences => Categories.Sum(c => c.ModelDivergences);
    public bool InvariantHolds => Categories.All(c => c.InvariantHolds);
    public long Disagreements => Categories.Sum(c => c.Disagreements);
    public long Crashes => Categories.Sum(c => c.Crashes);
    public uint MaxLogNum => Categories.Max(c => c.MaxLogNum);
    public uint MaxInNum => Categories.Max(c => c.MaxInNum);
    public bool Passed => InvariantHolds && Disagreements == 0 && Crashes == 0 && ModelDivergences == 0;
}

/// <summary>
/// The descriptor-collection campaign: seeded adversarial chains run
/// through the tree's vhost_get_vq_desc(), each answer checked against the
/// invariant a reviewer asked evidence for (log_num &lt;= in_num &lt;=
/// iov_limit, nothing written past iov_size or the log's iov_limit entries)
/// and against <see cref="ChainOracle"/>.
/// </summary>
public static class ChainCampaign
{
    const int Batch = 2048;
    const int KeepFindings = 50;

    /// <param name="model">when given, the model's vhost_get_vq_desc() runs every case too and must answer as the tree does</param>
    public static CampaignReport Run(ChainsDriver driver, string tree, int seed, long cases, IProgress<long>? progress = null,
                                     ModelChains? model = null)
    {
        var clock = Stopwatch.StartNew();
        var gen = new ChainGenerator(seed);
        var acc = ChainGenerator.Categories.ToDictionary(c => c, c => new Acc());
        var findings = new List<ChainFinding>();
        var failures = new List<DriverFailure>();
        long done = 0;
        foreach (var batch in gen.Cases(cases).Chunk(Batch))
        {
            failures.Clear();
            // The model answers the batch on another core while the driver does.
            var modelRun = model is null ? null : Task.Run(() => batch.Select(c => RunModel(model, c)).ToArray());
            var results = driver.Run(batch, failures);
            var modelResults = modelRun?.Result;
            foreach (var f in failures)
            {
                acc[f.Case.Category].Crashes++;
                acc[f.Case.Category].Cases++;
                Add(findings, new ChainFinding("crash", f.Case.Category, f.Case.Id, f.What, f.Case.ToLine()));
            }
            for (var i = 0; i < batch.Length; i++)
                if (results[i] is { } r)
                {
                    Check(batch[i], r, acc[batch[i].Category], findings);
                    if (modelResults is not null)
                        CompareModel(model!.State, modelResults[i], batch[i], r, acc[batch[i].Category], findings);
                }
            done += batch.Length;
            progress?.Report(done);
        }
        var seconds = clock.Elapsed.TotalSeconds;
        return new CampaignReport(tree, seed, cases, seconds, cases / Math.Max(seconds, 1e-9),
            [.. ChainGenerator.Categories.Select(c => acc[c].Stats(c))], [.. findings], model?.State);
    }

    /// <summary>The model's answer to the case, bit for bit against the tree's; a model that throws diverges too.</summary>
    static (ChainResult? Result, string? Failure) RunModel(ModelChains model, ChainCase c)
    {
        try
        {
            return (model.Run(c), null);
        }
        catch (Exception e) when (e is KernelBugException or KernelHangException or InvalidOperationException)
        {
            return (null, $"the model failed: {e.Message}");
        }
    }

    static void CompareModel(string state, (ChainResult? Result, string? Failure) model, ChainCase c, ChainResult tree, Acc a,
                             List<ChainFinding> findings)
    {
        var differences = model.Result is { } m ? ModelChains.Compare(tree, m) : [model.Failure!];
        if (differences.Count == 0)
            return;
        a.ModelDivergences++;
        Add(findings, new ChainFinding("model", c.Category, c.Id, $"{state}: " + string.Join("; ", differences), c.ToLine()));
    }

    static void Add(List<ChainFinding> findings, ChainFinding f)
    {
        if (findings.Count < KeepFindings)
            findings.Add(f);
    }

    sealed class Acc
    {
        public long Cases, Errors, Violations, Disagreements, Crashes, Lenient, ModelDivergences;
        public uint MaxLog, MaxIn, LimitAtMaxLog;
        public readonly SortedDictionary<string, long> Errnos = new(StringComparer.Ordinal);

        public CategoryStats Stats(string name) => new(name, Cases, Errors, Cases - Errors - Crashes, Violations == 0, Violations,
            Disagreements, Crashes, Lenient, MaxLog, MaxIn, LimitAtMaxLog, Errnos.ToImmutableSortedDictionary(StringComparer.Ordinal), ModelDivergences);
    }

    /// <summary>The checks of one answer; the problems found (empty: none). Public for the tests.</summary>
    public static (List<string> Violations, List<string> Disagreements) Judge(ChainCase c, ChainResult r) => Judge(c, r, ChainOracle.Expect(c));

    static (List<string> Violations, List<string> Disagreements) Judge(ChainCase c, ChainResult r, Expectation e)
    {
        var violations = new List<string>();
        var disagreements = new List<string>();
        if (r.IovGuardTouched > 0)
            violations.Add($"{r.IovGuardTouched} iovec(s) written past iov_size {c.IovSize}");
        if (r.LogGuardTouched > 0)
            violations.Add($"{r.LogGuardTouched} log entr(y/ies) written past iov_limit {c.IovLimit}");
        // An early error (no head) leaves log_num as the caller had it: the driver's sentinel.
        if (c.Log && r.LogNum > c.IovLimit && !(r.Ret < 0 && r.LogNum == Wire.NotWritten))
            violations.Add($"log_num {r.LogNum} > iov_limit {c.IovLimit}");
        if (r.Ret >= 0 && c.Log && !(r.LogNum <= r.In && r.In <= c.IovLimit))
            violations.Add($"log_num {r.LogNum} <= in_num {r.In} <= iov_limit {c.IovLimit} does not hold");
        if (r.Ret >= 0 && r.Out + r.In > c.IovSize)
            violations.Add($"out_num {r.Out} + in_num {r.In} > iov_size {c.IovSize}");
        if (!c.Log && r.LogNum != Wire.NotWritten)
            violations.Add($"log_num written ({r.LogNum}) although no log was passed");

        if (e.Error is not null && r.Ret >= 0)
            disagreements.Add($"kernel accepted the chain (head {r.Ret}, out {r.Out}, in {r.In}), oracle: {e.Error}");
        else if (e.Error is null && r.Ret < 0)
            disagreements.Add($"kernel returned {r.Ret}, the oracle expects a valid chain (out {e.Out}, in {e.In}, log {e.Log.Length})");
        else if (e.Error is null)
        {
            if (r.Ret != c.Head)
                disagreements.Add($"kernel returned {r.Ret}, expected head {c.Head}");
            if (r.Out != e.Out || r.In != e.In)
                disagreements.Add($"out/in {r.Out}/{r.In}, expected {e.Out}/{e.In}");
            if (c.Log && (r.LogNum != e.Log.Length || !r.Entries.SequenceEqual(e.Log)))
            {
                var first = Enumerable.Range(0, Math.Min(r.Entries.Length, e.Log.Length)).FirstOrDefault(i => r.Entries[i] != e.Log[i], -1);
                disagreements.Add($"log_num {r.LogNum}, expected {e.Log.Length}" +
                                  (first >= 0 ? $"; entry {first} is {r.Entries[first].Addr:x}+{r.Entries[first].Len:x}, expected {e.Log[first].Addr:x}+{e.Log[first].Len:x}" : ""));
            }
        }
        return (violations, disagreements);
    }

    static void Check(ChainCase c, ChainResult r, Acc a, List<ChainFinding> findings)
    {
        a.Cases++;
        if (r.Ret < 0)
        {
            a.Errors++;
            var name = Errno(r.Ret);
            a.Errnos[name] = a.Errnos.GetValueOrDefault(name) + 1;
        }
        else
        {
            if (c.Log && r.LogNum > a.MaxLog)
            {
                a.MaxLog = r.LogNum;
                a.LimitAtMaxLog = c.IovLimit;
            }
            a.MaxIn = Math.Max(a.MaxIn, r.In);
        }
        var e = ChainOracle.Expect(c);
        if (r.Ret >= 0 && e.Lenient is not null)
            a.Lenient++;
        var (violations, disagreements) = Judge(c, r, e);
        if (violations.Count > 0)
        {
            a.Violations++;
            Add(findings, new ChainFinding("invariant", c.Category, c.Id, string.Join("; ", violations), c.ToLine()));
        }
        if (disagreements.Count > 0)
        {
            a.Disagreements++;
            Add(findings, new ChainFinding("oracle", c.Category, c.Id, string.Join("; ", disagreements), c.ToLine()));
        }
    }

    static string Errno(int ret) => -ret switch
    {
        1 => "EPERM",
        7 => "E2BIG",
        14 => "EFAULT",
        22 => "EINVAL",
        105 => "ENOBUFS",
        11 => "EAGAIN",
        var n => $"E{n}",
    };
}
