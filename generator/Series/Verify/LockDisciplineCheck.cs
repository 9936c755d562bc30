using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using VhostLog.KernelTree;

namespace VhostLog.Series.Verify;

/// <summary>templates/checks/lock-discipline.json: what must happen under a virtqueue mutex, and the reviewed exceptions.</summary>
public sealed record LockRules(string File, ImmutableArray<string> Sinks, ImmutableArray<string> Fields, ImmutableArray<LockExemption> Exempt)
{
    public static LockRules Load(string checksDir)
    {
        var path = Path.Combine(checksDir, "lock-discipline.json");
        try
        {
            return JsonSerializer.Deserialize<LockRules>(System.IO.File.ReadAllText(path), new JsonSerializerOptions(JsonSerializerDefaults.Web))
                   ?? throw new UsageException($"{path}: empty");
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            throw new UsageException($"{path}: {e.Message}");
        }
    }
}

public sealed record LockExemption(string Function, string Why);

/// <summary>One place the rule breaks: where, and the path from an entry point (a work, an ioctl, a file operation) to the log.</summary>
public sealed record LockViolation(string File, string Function, int Line, string What, string Path);

/// <summary>
/// The lock-discipline check: every dirty-log write (vhost_log_write(),
/// vhost_scsi_log_write(), vhost_add_used*() and so log_used()) and every
/// access to a per-command or per-TMF log happens with a virtqueue mutex
/// held, on every path. Coccinelle finds, per function, the paths to such a
/// site from the function's entry with no virtqueue mutex taken, and from a
/// virtqueue mutex_unlock() with none taken again (templates/checks/
/// lock-discipline.cocci). A function with an unlocked path from its entry
/// makes its callers responsible, so it joins the sinks and the search runs
/// again until no new function joins; then an entry point (a function no
/// code in the file calls) with such a path, or any path after an unlock,
/// breaks the rule.
/// Why Coccinelle and not a pass of our own over libclang's AST: it already
/// walks the control-flow graph path by path (`... when !=`), knows the C
/// types of the lock expressions, and is the tool kernel reviewers read.
/// </summary>
public static class LockDisciplineCheck
{
    const int MaxRounds = 16;

    public static IReadOnlyList<LockViolation> Analyse(string checksDir, string root, CancellationToken cancel = default)
    {
        var rules = LockRules.Load(checksDir);
        var template = File.ReadAllText(Path.Combine(checksDir, "lock-discipline.cocci"));
        var file = Path.Combine(root, rules.File);
        if (!File.Exists(file))
            throw new UsageException($"{rules.File} is missing from the tree");
        var exempt = rules.Exempt.Select(e => e.Function).ToHashSet(StringComparer.Ordinal);
        var sinks = rules.Sinks.ToList();
        List<Finding> findings = [];
        for (var round = 0; ; round++)
        {
            if (round == MaxRounds)
                throw new InvalidOperationException($"the lock-discipline search did not settle in {MaxRounds} rounds");
            findings = Run(template, sinks, rules.Fields, root, rules.File, cancel);
            var joining = findings.Where(f => f.Kind == "entry" && !exempt.Contains(f.Function) && !sinks.Contains(f.Function))
                .Select(f => f.Function).Distinct().Order(StringComparer.Ordinal).ToList();
            if (joining.Count == 0)
                break;
            sinks.AddRange(joining);
        }

        var called = findings.Where(f => f.Kind == "call").Select(f => f.Target).ToHashSet(StringComparer.Ordinal);
        // How each function reaches the log unlocked from its entry: for the path in reports.
        var firstEntry = findings.Where(f => f.Kind == "entry").GroupBy(f => f.Function)
            .ToDictionary(g => g.Key, g => g.OrderBy(f => f.Line).First(), StringComparer.Ordinal);
        string Chain(string target, int depth)
        {
            if (depth > 16 || !firstEntry.TryGetValue(target, out var next))
                return target.StartsWith("->", StringComparison.Ordinal) ? target : $"{target}()";
            return $"{target}() [{rules.File}:{next.Line}] -> {Chain(next.Target, depth + 1)}";
        }

        var violations = new List<LockViolation>();
        foreach (var f in findings.Where(f => f.Kind is "entry" or "unlocked").OrderBy(f => f.Line))
        {
            if (exempt.Contains(f.Function))
                continue;
            var what = f.Target.StartsWith("->", StringComparison.Ordinal) ? $"access to {f.Target[2..]}" : $"call to {f.Target}()";
            if (f.Kind == "unlocked")
                violations.Add(new LockViolation(rules.File, f.Function, f.Line, what,
                    $"{f.Function}() releases a virtqueue mutex at line {f.UnlockLine} and reaches, with none held: {Chain(f.Target, 0)}"));
            else if (!called.Contains(f.Function) && !rules.Sinks.Contains(f.Function))
                violations.Add(new LockViolation(rules.File, f.Function, f.Line, what,
                    $"{f.Function}() (no caller in {rules.File}: a work, ioctl or file operation) reaches from its entry, with no virtqueue mutex held: {Chain(f.Target, 0)}"));
        }
        return violations.Distinct().ToList();
    }

    /// <summary>The check over the final series and every prefix of it (each commit between base and final).</summary>
    internal static CheckResult Run(string checksDir, GitRepo git, string pristine, string final, IProgress<string>? progress)
    {
        var rules = LockRules.Load(checksDir);
        var commits = git.Commits(pristine, final);
        var d = new StringBuilder();
        var bad = new List<string>();
        // A prefix that leaves the file as the one before it (a vhost.c-only patch) has its result.
        var byContent = new Dictionary<string, IReadOnlyList<LockViolation>>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < commits.Count; i++)
            {
                progress?.Report($"lock discipline: patches 1..{i + 1}");
                git.CheckoutClean(commits[i]);
                var hash = Hashing.Sha256File(Path.Combine(git.Root, rules.File));
                if (!byContent.TryGetValue(hash, out var v))
                    byContent[hash] = v = Analyse(checksDir, git.Root, git.Cancel);
                d.AppendLine($"patches 1..{i + 1}: {(v.Count == 0 ? "ok" : $"{v.Count} unlocked site(s)")}");
                foreach (var x in v)
                    d.AppendLine($"  {x.File}:{x.Function}:{x.Line}: {x.What} without a virtqueue mutex\n    path: {x.Path}");
                if (v.Count > 0)
                    bad.Add($"1..{i + 1}");
            }
        }
        finally
        {
            git.CheckoutClean(final);
        }
        d.AppendLine("exempt (reviewed, see templates/checks/lock-discipline.json):");
        foreach (var e in rules.Exempt)
            d.AppendLine($"  {e.Function}(): {e.Why}");
        return new CheckResult(CheckNames.LockDiscipline, bad.Count == 0,
            bad.Count == 0
                ? $"{commits.Count} prefix(es): every log write and log access in {rules.File} under a virtqueue mutex ({rules.Exempt.Length} reviewed exemptions)"
                : $"prefix(es) {string.Join(", ", bad)} write or touch the log without a virtqueue mutex",
            d.ToString().TrimEnd());
    }

    sealed record Finding(string Kind, string Function, int Line, string Target, int UnlockLine);

    static List<Finding> Run(string template, IReadOnlyList<string> sinks, IReadOnlyList<string> fields, string root, string file,
        CancellationToken cancel)
    {
        var cocci = template.Replace("SINKS", string.Join("|", sinks), StringComparison.Ordinal)
            .Replace("FIELDS", string.Join("|", fields), StringComparison.Ordinal);
        var script = Path.Combine(Path.GetTempPath(), $"vhostlog-lock-{Environment.ProcessId}-{Guid.NewGuid():N}.cocci");
        File.WriteAllText(script, cocci);
        try
        {
            ProcResult r;
            try
            {
                r = ProcessRunner.Run("spatch", ["--very-quiet", "--local-includes", "--sp-file", script, file], root,
                    timeout: TimeSpan.FromMinutes(5), cancel: cancel);
            }
            catch (ToolMissingException)
            {
                throw new UsageException("spatch (Debian package coccinelle) is not installed; run `make deps`");
            }
            if (!r.Ok)
                throw new InvalidOperationException($"spatch (lock discipline) on {file} failed: {r.Output}");
            var findings = new List<Finding>();
            foreach (var line in r.Stdout.Split('\n'))
            {
                var w = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (w.Length >= 4 && w[0] is "entry" or "call")
                    findings.Add(new Finding(w[0], w[1], int.Parse(w[2], System.Globalization.CultureInfo.InvariantCulture), w[3], 0));
                else if (w.Length >= 5 && w[0] == "unlocked")
                    findings.Add(new Finding(w[0], w[1], int.Parse(w[2], System.Globalization.CultureInfo.InvariantCulture), w[3],
                        int.Parse(w[4], System.Globalization.CultureInfo.InvariantCulture)));
            }
            return findings.Distinct().ToList();
        }
        finally
        {
            File.Delete(script);
        }
    }
}
