using System.Diagnostics;
using NUnit.Framework;
using VhostLog.Cli;
using VhostLog.KernelTree;
using VhostLog.Sessions;

namespace VhostLog.Tests.Cli;

/// <summary>
/// A long run stops promptly and cleanly on SIGINT and SIGTERM: the CLI runs
/// in its own process, is signalled while QEMU boots a guest that never
/// ends, and must exit 128 + the signal within seconds, leaving neither its
/// QEMU nor its temporary folder nor a half-written result.
/// </summary>
// Runs beside other fixtures: each run that is checked for leftover folders
// has a work folder of its own (OwnCache), and the signal-to-exit times keep
// their limits (stopping takes well under a second on a loaded machine).
public sealed class InterruptTests
{
    [TestCase("INT", 130)]
    [TestCase("TERM", 143)]
    public void BootStopsPromptlyAndCleanly(string signal, int status)
    {
        var cache = OwnCache.Create();
        var work = cache.WorkRoot;
        var before = Directory.GetDirectories(work, "boot-*").ToHashSet();
        var json = Path.Combine(Repo.TempDir("interrupt"), "boot.json");
        // As a foreground command gets them: a shell that started this test
        // run in the background set SIGINT to ignored, and children inherit that.
        var psi = new ProcessStartInfo("perl",
            ["-e", "$SIG{INT} = 'DEFAULT'; $SIG{TERM} = 'DEFAULT'; exec @ARGV or die", "dotnet", typeof(Commands).Assembly.Location, "boot", "--variants", "stock", "--workload", "selftest-hang", "--timeout", "300", "--json", json])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["VHOSTLOG_ROOT"] = Repo.Root;
        psi.Environment["VHOSTLOG_CACHE"] = cache.Root;
        using var p = Process.Start(psi)!;
        try
        {
            Interrupt(p, signal, status, work, before, json);
        }
        finally
        {
            if (!p.HasExited)
                p.Kill(entireProcessTree: true);
        }
    }

    static void Interrupt(Process p, string signal, int status, string work, HashSet<string> before, string json)
    {
        var stderr = new System.Text.StringBuilder();
        var booting = new ManualResetEventSlim();
        p.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
                stderr.AppendLine(e.Data);
            if (e.Data?.Contains("booting", StringComparison.Ordinal) == true)
                booting.Set();
        };
        p.BeginErrorReadLine();
        var stdout = p.StandardOutput.ReadToEndAsync();
        Assert.That(booting.Wait(TimeSpan.FromMinutes(2)), Is.True, "the run reached the boot");
        // "booting" is said just before QEMU starts; on a loaded machine it
        // may take a while to appear.
        var ours = new List<int>();
        var waited = Stopwatch.StartNew();
        while (ours.Count == 0 && waited.Elapsed < TimeSpan.FromMinutes(1) && !p.HasExited)
        {
            Thread.Sleep(200);
            ours = QemuUnder(work).ToList();
        }
        Assert.That(ours, Is.Not.Empty, $"QEMU runs under the work folder:\n{stderr}");
        Thread.Sleep(2000); // the guest is up and hangs

        var sw = Stopwatch.StartNew();
        Assert.That(ProcessRunner.Run("kill", ["-s", signal, p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], Repo.Root).Ok, Is.True);
        Assert.That(p.WaitForExit(TimeSpan.FromSeconds(20)), Is.True, "the run ended");
        p.WaitForExit();
        _ = stdout.GetAwaiter().GetResult();
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "it stops within seconds");
        Assert.That(p.ExitCode, Is.EqualTo(status));
        lock (stderr)
            Assert.That(stderr.ToString(), Does.Contain($"interrupted by SIG{signal} during \"stock: booting"));
        Assert.That(QemuUnder(work).Intersect(ours), Is.Empty, "its QEMU was stopped");
        Assert.That(Directory.GetDirectories(work, "boot-*").Where(d => !before.Contains(d)), Is.Empty, "its temporary folder was removed");
        Assert.That(File.Exists(json), Is.False, "no result file for a run that did not finish");
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(json)!), Is.Empty, "no half-written file either");
    }

    /// <summary>
    /// generate --verify, interrupted while verify builds the staged series:
    /// nothing lands in --out, the work folders are gone, and so are make
    /// and the compilers it started.
    /// </summary>
    [TestCase("INT", 130)]
    [TestCase("TERM", 143)]
    public void GenerateWithVerifyStopsPromptlyAndCleanly(string signal, int status)
    {
        var cache = OwnCache.Create();
        var work = cache.WorkRoot;
        var before = Directory.GetDirectories(work).ToHashSet();
        var outDir = Path.Combine(Repo.TempDir("interrupt-generate"), "series");
        using var run = CliRun.Start(["generate", "--verify", "--out", outDir, "--signoff", "T <t@example.org>"], "kbuild", cache: cache);
        run.Signal(signal, status, "during \"verify: kbuild");
        Assert.That(Directory.Exists(outDir), Is.False, "no series was written");
        Assert.That(Directory.GetDirectories(work).Where(d => !before.Contains(d)), Is.Empty, "its work folders were removed");
    }

    /// <summary>verify, interrupted during its kbuild runs: its copy of the tree is removed and no --json written.</summary>
    [TestCase("INT", 130)]
    [TestCase("TERM", 143)]
    public void VerifyStopsPromptlyAndCleanly(string signal, int status)
    {
        var cache = OwnCache.Create();
        var work = cache.WorkRoot;
        var before = Directory.GetDirectories(work).ToHashSet();
        var json = Path.Combine(Repo.TempDir("interrupt-verify"), "verify.json");
        using var run = CliRun.Start(["verify", "--json", json], "kbuild", cache: cache);
        run.Signal(signal, status, "equiv: the patched tree's functions against the models");
        Assert.That(Directory.GetDirectories(work).Where(d => !before.Contains(d)), Is.Empty, "its copy of the tree was removed");
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(json)!), Is.Empty, "no result file, not even half of one");
    }

    /// <summary>A long equivalence campaign stops on the signal instead of running to its last case, and writes no --json.</summary>
    [TestCase("INT", 130)]
    [TestCase("TERM", 143)]
    public void EquivStopsPromptlyAndCleanly(string signal, int status)
    {
        var json = Path.Combine(Repo.TempDir("interrupt-equiv"), "equiv.json");
        using var run = CliRun.Start(["equiv", "--generated", "--cases", "2000000", "--function", "log_write", "--json", json], null,
            TimeSpan.Zero);
        run.WaitForChild("worker", TimeSpan.FromSeconds(1.5)); // the cases are running
        run.Signal(signal, status, "during \"log_write: ");
        Assert.That(File.Exists(json), Is.False, "no result file for a run that did not finish");
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(json)!), Is.Empty, "no half-written file either");
    }

    /// <summary>The mutation campaign stops in the middle of a mutant's equivalence run.</summary>
    [TestCase("INT", 130)]
    [TestCase("TERM", 143)]
    public void MutantsStopsPromptlyAndCleanly(string signal, int status)
    {
        using var run = CliRun.Start(["mutants", "--cases", "2000000"], null, TimeSpan.Zero);
        run.WaitForChild("worker", TimeSpan.FromSeconds(1.5)); // the first mutant's cases are running
        run.Signal(signal, status, "during \"mutant ");
    }

    /// <summary>A native migration simulation stops in its request loop, stops the tree's C it runs, and writes no --json.</summary>
    [TestCase("INT", 130)]
    [TestCase("TERM", 143)]
    public void SimulateNativeStopsPromptlyAndCleanly(string signal, int status)
    {
        var json = Path.Combine(Repo.TempDir("interrupt-simulate"), "simulate.json");
        using var run = CliRun.Start(["simulate", "--engine", "native", "--semantics", "before", "--requests", "1000000",
            "--per-round", "200000", "--guest-mib", "2048", "--json", json], "requests issued", TimeSpan.FromSeconds(2));
        run.Signal(signal, status, "requests issued\"");
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(json)!), Is.Empty, "no result file, not even half of one");
    }

    /// <summary>A descriptor-chain campaign stops between batches, stops its driver, and writes no --json.</summary>
    [TestCase("INT", 130)]
    [TestCase("TERM", 143)]
    public void ChainsStopsPromptlyAndCleanly(string signal, int status)
    {
        var json = Path.Combine(Repo.TempDir("interrupt-chains"), "chains.json");
        using var run = CliRun.Start(["chains", "--cases", "3000000", "--json", json], null, TimeSpan.Zero);
        run.WaitForChild("chains-driver", TimeSpan.FromSeconds(2)); // the driver is comparing chains
        run.Signal(signal, status, "chains compared\"");
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(json)!), Is.Empty, "no result file, not even half of one");
    }

    /// <summary>
    /// A worker that hangs (stopped with SIGSTOP, so it answers neither
    /// its cases nor SIGTERM) does not hold the run for its batch timeout:
    /// the signal stops it (SIGKILL after the grace) and the run ends.
    /// </summary>
    [Test]
    public void EquivStopsWhenItsWorkerHangs()
    {
        using var run = HungWorker(out var worker);
        run.Signal("INT", 130, "during \"vhost_scsi_get_desc: ");
        Assert.That(CliRun.Alive(worker), Is.False, "the hung worker was ended");
    }

    /// <summary>
    /// A second Ctrl-C ends the run at once, without waiting for the first
    /// one's clean-up (here: the grace a hung worker gets before SIGKILL):
    /// the process is gone well within that grace, before it could print
    /// the line a clean stop ends with.
    /// </summary>
    [Test]
    public void SecondCtrlCEndsTheRunAtOnce()
    {
        using var run = HungWorker(out var worker);
        try
        {
            run.Send("INT");
            Thread.Sleep(300);
            Assert.That(run.Ended(TimeSpan.Zero), Is.False, "the first Ctrl-C's clean-up is still waiting for the hung worker");
            var sw = Stopwatch.StartNew();
            run.Send("INT");
            Assert.That(run.Ended(TimeSpan.FromSeconds(10)), Is.True);
            Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(1)), "the second Ctrl-C ended it at once");
            Assert.That(run.ExitCode, Is.EqualTo(130));
            Assert.That(run.Stderr, Does.Not.Contain("interrupted by"), "it ended before the clean stop could finish");
        }
        finally
        {
            _ = ProcessRunner.Run("kill", ["-KILL", worker.ToString(System.Globalization.CultureInfo.InvariantCulture)], Repo.Root);
        }
    }

    /// <summary>A long equivalence run whose native worker is stopped (SIGSTOP) mid-run.</summary>
    static CliRun HungWorker(out int worker)
    {
        var run = CliRun.Start(["equiv", "--generated", "--cases", "2000000", "--function", "vhost_scsi_get_desc"], null,
            TimeSpan.Zero);
        run.WaitForChild("worker", TimeSpan.FromSeconds(1)); // mid-run: the worker has cases
        var workers = CliRun.Descendants(run.Id).Where(p => CliRun.ProcessName(p) == "worker").ToList();
        Assert.That(workers, Has.Count.EqualTo(1), "one native worker runs the cases");
        worker = workers[0];
        run.Send("STOP", worker);
        return run;
    }

    /// <summary>The QEMU processes whose command line names a folder under <paramref name="work"/>.</summary>
    static IEnumerable<int> QemuUnder(string work)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
                continue;
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }
            if (cmdline.Contains("qemu-system", StringComparison.Ordinal) && cmdline.Contains(work, StringComparison.Ordinal))
                yield return pid;
        }
    }
}
