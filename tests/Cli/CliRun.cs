using System.Diagnostics;
using NUnit.Framework;
using VhostLog.Cli;
using VhostLog.KernelTree;

namespace VhostLog.Tests.Cli;

/// <summary>
/// The CLI in a process of its own, as a terminal runs it (SIGINT and
/// SIGTERM at their default), signalled once it is busy; then it must exit
/// 128 + the signal within seconds and leave no process it started behind.
/// </summary>
public sealed class CliRun : IDisposable
{
    readonly Process process;
    readonly System.Text.StringBuilder stderr = new();
    readonly Task<string> stdout;

    CliRun(Process process)
    {
        this.process = process;
        stdout = process.StandardOutput.ReadToEndAsync();
    }

    /// <param name="marker">a text on stderr that says the run is busy (null: wait <paramref name="delay"/> only)</param>
    /// <param name="cache">the run's VHOSTLOG_CACHE (null: the repository's, which the test run shares)</param>
    public static CliRun Start(IReadOnlyList<string> args, string? marker, TimeSpan? delay = null, OwnCache? cache = null)
    {
        // A shell that started this test run in the background set SIGINT to
        // ignored, and children inherit that; perl puts both back to default.
        var psi = new ProcessStartInfo("perl",
            ["-e", "$SIG{INT} = 'DEFAULT'; $SIG{TERM} = 'DEFAULT'; exec @ARGV or die", "dotnet", typeof(Commands).Assembly.Location, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["VHOSTLOG_ROOT"] = Repo.Root;
        if (cache is not null)
            psi.Environment["VHOSTLOG_CACHE"] = cache.Root;
        var busy = new ManualResetEventSlim(marker is null);
        var run = new CliRun(Process.Start(psi)!);
        run.process.ErrorDataReceived += (_, e) =>
        {
            lock (run.stderr)
                run.stderr.AppendLine(e.Data);
            if (marker is not null && e.Data?.Contains(marker, StringComparison.Ordinal) == true)
                busy.Set();
        };
        run.process.BeginErrorReadLine();
        Assert.That(busy.Wait(TimeSpan.FromMinutes(5)), Is.True, $"the run reached '{marker}':\n{run.Stderr}");
        Thread.Sleep(delay ?? TimeSpan.FromSeconds(1));
        Assert.That(run.process.HasExited, Is.False, $"the run is still busy:\n{run.Stderr}");
        return run;
    }

    /// <summary>
    /// Waits (up to two minutes) until the run has a child process named
    /// <paramref name="name"/> (its /proc comm: a native worker, a driver),
    /// then <paramref name="settle"/> more; the run must still be busy.
    /// A condition instead of a fixed delay long enough for a loaded machine.
    /// </summary>
    public void WaitForChild(string name, TimeSpan settle)
    {
        var waited = Stopwatch.StartNew();
        while (!Descendants(process.Id).Any(p => ProcessName(p) == name))
        {
            Assert.That(process.HasExited, Is.False, $"the run ended before a {name} process started:\n{Stderr}");
            Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromMinutes(2)), $"a {name} process started:\n{Stderr}");
            Thread.Sleep(100);
        }
        Thread.Sleep(settle);
        Assert.That(process.HasExited, Is.False, $"the run is still busy:\n{Stderr}");
    }

    /// <summary>A process's name (/proc comm), or "" once it is gone.</summary>
    public static string ProcessName(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    public string Stderr
    {
        get
        {
            lock (stderr)
                return stderr.ToString();
        }
    }

    public int Id => process.Id;

    /// <summary>Sends the signal and checks how the run ended.</summary>
    /// <param name="account">a text the line the run ends with must hold: where it was, what it finished</param>
    public void Signal(string signal, int status, string? account = null)
    {
        var children = Descendants(process.Id);
        var sw = Stopwatch.StartNew();
        Assert.That(ProcessRunner.Run("kill", ["-s", signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Repo.Root).Ok, Is.True);
        Assert.That(process.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "the run ended");
        process.WaitForExit();
        _ = stdout.GetAwaiter().GetResult();
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), $"it stops within seconds:\n{Stderr}");
        Assert.That(process.ExitCode, Is.EqualTo(status), Stderr);
        Assert.That(Stderr, Does.Contain($"interrupted by SIG{signal}"));
        if (account is not null)
            Assert.That(Stderr.Split('\n').Single(l => l.Contains("interrupted by", StringComparison.Ordinal)), Does.Contain(account),
                "the line says what was finished");
        Assert.That(children.Where(Alive), Is.Empty, "every process it started was stopped");
    }

    /// <summary>Sends a signal to the run and returns at once.</summary>
    public void Send(string signal, int pid = 0) =>
        Assert.That(ProcessRunner.Run("kill", ["-s", signal, (pid == 0 ? process.Id : pid).ToString(System.Globalization.CultureInfo.InvariantCulture)],
            Repo.Root).Ok, Is.True);

    /// <summary>Waits for the run to end; false if it did not within <paramref name="limit"/>.</summary>
    public bool Ended(TimeSpan limit)
    {
        if (!process.WaitForExit(limit))
            return false;
        process.WaitForExit();
        _ = stdout.GetAwaiter().GetResult();
        return true;
    }

    public int ExitCode => process.ExitCode;

    /// <summary>The processes below a process, by /proc's parent links.</summary>
    public static IReadOnlyList<int> Descendants(int root)
    {
        var parent = new Dictionary<int, int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // pid (comm) state ppid ...: comm may hold spaces and parentheses.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parent[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }
        var found = new List<int>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var p))
            foreach (var child in parent.Where(kv => kv.Value == p).Select(kv => kv.Key))
            {
                found.Add(child);
                frontier.Enqueue(child);
            }
        return found;
    }

    public static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
            process.Kill(entireProcessTree: true);
        process.Dispose();
    }
}

/// <summary>
/// A cache root of one CLI run's own: its work folder (where the run makes
/// its temporary folders) is empty but for a link to the shared work
/// folder's caches, and the shared caches (trees, modules, guest program,
/// native workers) are linked in. What the run leaves behind in
/// <see cref="WorkRoot"/> is then its own, whatever runs beside it.
/// </summary>
public sealed class OwnCache
{
    OwnCache(string root) => Root = root;

    public string Root { get; }

    public string WorkRoot => Path.Combine(Root, "work");

    public static OwnCache Create()
    {
        var shared = TreeCache.CacheRoot(Repo.Root);
        var sharedWork = VhostLog.Sessions.Targets.WorkRoot(Repo.Root);
        var own = new OwnCache(Repo.TempDir("cache"));
        Directory.CreateDirectory(own.WorkRoot);
        foreach (var entry in Directory.GetDirectories(shared).Where(d => Path.GetFileName(d) != "work"))
            Directory.CreateSymbolicLink(Path.Combine(own.Root, Path.GetFileName(entry)), entry);
        Directory.CreateDirectory(Path.Combine(sharedWork, "cache"));
        Directory.CreateSymbolicLink(Path.Combine(own.WorkRoot, "cache"), Path.Combine(sharedWork, "cache"));
        return own;
    }
}
