using VhostLog.KernelTree;
using System.Text.Json;

namespace VhostLog.Series.Verify;

/// <summary>One make invocation: exit status, time, diagnostics (tree-relative) and the end of its output.</summary>
internal sealed record StepOutcome(string Command, int ExitCode, double Seconds, List<string> Diagnostics, string Tail)
{
    public bool Ok => ExitCode == 0;
}

/// <summary>
/// A clean out-of-tree build of drivers/vhost with W=1, then the same command with
/// C=2 (sparse on every source; the objects are up to date, so this step is sparse
/// only). <see cref="Modules"/> lists the .ko files that exist afterwards.
/// </summary>
internal sealed record BuildOutcome(StepOutcome W1, StepOutcome Sparse, List<string> Modules, bool Cached = false);

/// <param name="kept">earlier builds of identical trees to reuse (null: every build runs)</param>
internal sealed class Kbuild(Toolchain tools, string treeRoot, KbuildResults? kept, CancellationToken cancel = default)
{
    public const int Jobs = 2;
    const int CacheFormat = 1;
    public const string NotRun = "not run: ";

    /// <summary>The modules the check requires (others in drivers/vhost are built and reported too).</summary>
    public static IReadOnlyList<string> RequiredModules { get; } = ["vhost.ko", "vhost_scsi.ko"];

    string ModDir => Path.Combine(treeRoot, "drivers", "vhost");

    public IReadOnlyList<string> Args(bool sparse) =>
    [
        "-C", tools.HeadersDir, $"M={ModDir}", "W=1",
        .. sparse ? new[] { "C=2", $"CHECK={tools.Sparse}" } : [],
        $"-j{Jobs}", "modules",
    ];

    public BuildOutcome Build() => kept is null ? BuildNow() : kept.GetOrBuild(ResultKey(), BuildNow);

    string ResultKey()
    {
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        h.AppendData(System.Text.Encoding.UTF8.GetBytes($"format {CacheFormat}\njobs {Jobs}\n{tools}\n"));
        var root = Path.GetFullPath(treeRoot);
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => f != ".git" && !f.StartsWith(".git/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var f in files)
        {
            h.AppendData(System.Text.Encoding.UTF8.GetBytes($"\n{f}\n"));
            h.AppendData(File.ReadAllBytes(Path.Combine(root, f)));
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    BuildOutcome BuildNow()
    {
        var clean = ProcessRunner.Run(tools.Make, ["-C", tools.HeadersDir, $"M={ModDir}", "clean"], treeRoot,
            timeout: TimeSpan.FromMinutes(5), cancel: cancel);
        if (!clean.Ok)
            throw new InvalidOperationException($"{clean.Command} failed ({clean.ExitCode}): {clean.Output}");
        var w1 = Step(Args(false));
        var sparse = w1.Ok
            ? Step(Args(true))
            : new StepOutcome(ProcessRunner.Describe(tools.Make, Args(true)), -1, 0, [], NotRun + "the W=1 build failed");
        var modules = Directory.Exists(ModDir)
            ? Directory.GetFiles(ModDir, "*.ko").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];
        return new BuildOutcome(w1, sparse, modules);
    }

    StepOutcome Step(IReadOnlyList<string> args)
    {
        var r = ProcessRunner.Run(tools.Make, args, treeRoot, timeout: TimeSpan.FromMinutes(30), cancel: cancel);
        var all = r.Stdout + "\n" + r.Stderr;
        var diags = Diagnostics.Extract(all, treeRoot);
        var lines = r.Output.Replace(treeRoot.TrimEnd('/') + "/", "").Split('\n');
        var tail = string.Join("\n", lines.Skip(Math.Max(0, lines.Length - 40)));
        return new StepOutcome(r.Command.Replace(treeRoot, "<tree>"), r.ExitCode, r.Elapsed.TotalSeconds, diags, tail);
    }

    /// <summary>
    /// Pristine results keyed by the input tree's hash, the headers and the tool
    /// versions. Only successful builds are stored.
    /// </summary>
    public sealed class PristineCache(string dir, Toolchain tools)
    {
        readonly JsonSerializerOptions Json = new() { WriteIndented = true };

        public string KeyFor(string treeHash) =>
            Hashing.Sha256($"format {CacheFormat}\njobs {Jobs}\n{tools.Identity}\ntree {treeHash}");

        public BuildOutcome? Load(string key)
        {
            var path = Path.Combine(dir, key + ".json");
            if (!File.Exists(path))
                return null;
            try
            {
                var b = JsonSerializer.Deserialize<BuildOutcome>(File.ReadAllText(path), Json);
                return b is null ? null : b with { Cached = true };
            }
            catch (JsonException)
            {
                return null; // a damaged entry is rebuilt
            }
        }

        public void Store(string key, BuildOutcome outcome)
        {
            if (!outcome.W1.Ok || !outcome.Sparse.Ok)
                return;
            Directory.CreateDirectory(dir);
            var path = Path.Combine(dir, key + ".json");
            var tmp = path + $".tmp-{Environment.ProcessId}";
            File.WriteAllText(tmp, JsonSerializer.Serialize(outcome with { Cached = false }, Json));
            File.Move(tmp, path, overwrite: true);
        }
    }
}
