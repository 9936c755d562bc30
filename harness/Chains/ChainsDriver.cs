using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using VhostLog.KernelTree;
using VhostLog.Simulator;

namespace VhostLog.Chains;

/// <summary>A case the driver did not answer: it died or hung on it.</summary>
public sealed record DriverFailure(ChainCase Case, string What);

/// <summary>
/// harness/native/chains.c built from a tree's descriptor collection,
/// spoken to in batches (CHAINS-PROTOCOL.md): a batch of case lines is
/// written while the answers are read, so the pipe never idles. A driver
/// that dies or hangs is replaced; the case it was on is reported with its
/// input line and the rest of the batch runs on the new driver.
/// </summary>
public sealed class ChainsDriver : IDisposable
{
    /// <summary>A whole batch may take this long (a case takes microseconds).</summary>
    public TimeSpan BatchTimeout { get; set; } = TimeSpan.FromSeconds(30);

    readonly string driver;
    DriverProcess process = null!;

    ChainsDriver(string driver)
    {
        this.driver = driver;
        Launch();
    }

    /// <param name="sanitize">run the driver built with ASan+UBSan: a report kills it and is a crash finding of the case</param>
    public static ChainsDriver Start(string harnessDirectory, string treeDir, string headersDir, string buildRoot, bool sanitize = false) =>
        new(Build(harnessDirectory, DescriptorPaths.FromTree(treeDir, headersDir), buildRoot, sanitize));

    /// <summary>A driver around the given descriptor collection (e.g. <see cref="DescriptorPaths.Generated"/>'s).</summary>
    public static ChainsDriver Start(string harnessDirectory, DescriptorPathSource source, string buildRoot, bool sanitize = false) =>
        new(Build(harnessDirectory, source, buildRoot, sanitize));

    /// <summary>Builds chains.c around the source with make (chains.mk), in a folder named by a hash of the functions and the tree.</summary>
    public static string Build(string harnessDirectory, DescriptorPathSource source, string buildRoot, bool sanitize = false) =>
        DriverBuild.Make(harnessDirectory, "chains", source.Tree, source.FunctionsC, buildRoot, "the descriptor collection", sanitize);

    void Launch()
    {
        process = DriverProcess.Start(driver);
        process.Input.Write(GuestMemory.StartLine() + "\n");
        process.Input.Flush();
        var answer = process.Output.ReadLine();
        if (answer != "ok")
            throw new InvalidOperationException($"the chains driver {driver} refused the guest memory map: {answer ?? "(no answer)"}{process.StderrTail()}");
    }

    /// <summary>
    /// Runs the cases; answers are in case order, null for a case the
    /// driver died or hung on (listed in <paramref name="failures"/>).
    /// </summary>
    public ImmutableArray<ChainResult?> Run(IReadOnlyList<ChainCase> cases, List<DriverFailure> failures)
    {
        var results = new ChainResult?[cases.Count];
        var from = 0;
        while (from < cases.Count)
        {
            var done = RunFrom(cases, from, results);
            if (done == cases.Count)
                break;
            // Case `done` is where the driver stopped answering.
            var what = DescribeStop();
            failures.Add(new DriverFailure(cases[done], what));
            Kill();
            Launch();
            from = done + 1;
        }
        return [.. results];
    }

    /// <summary>Sends cases[from..] and reads answers; returns how many cases (from 0) are answered.</summary>
    int RunFrom(IReadOnlyList<ChainCase> cases, int from, ChainResult?[] results)
    {
        var input = process.Input;
        var writer = Task.Run(() =>
        {
            try
            {
                for (var i = from; i < cases.Count; i++)
                    input.Write(cases[i].ToLine() + "\n");
                input.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // The driver died or was killed; the reader finds out which case.
            }
        });
        var deadline = Stopwatch.StartNew();
        for (var i = from; i < cases.Count; i++)
        {
            var read = process.Output.ReadLineAsync();
            var left = BatchTimeout - deadline.Elapsed;
            if (left <= TimeSpan.Zero || !read.Wait(left))
            {
                hung = true;
                return i;
            }
            var line = read.Result;
            if (line is null)
                return i;
            results[i] = Parse(cases[i], line);
        }
        writer.Wait();
        return cases.Count;
    }

    bool hung;

    string DescribeStop()
    {
        if (hung)
        {
            hung = false;
            return $"no answer within {BatchTimeout.TotalSeconds} s (hung){process.StderrTail()}";
        }
        return process.HowItEnded() + process.StderrTail();
    }

    ChainResult Parse(ChainCase c, string line)
    {
        if (line.StartsWith("err ", StringComparison.Ordinal))
            throw new InvalidOperationException($"the chains driver refused case {c.Id:x} ({c.Category}): {line[4..]}\n  input: {c.ToLine()}");
        var f = line.Split(' ');
        if (f.Length < 9 || f[0] != "ok" || long.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture) != c.Id)
            throw new InvalidOperationException($"the chains driver {driver} answered case {c.Id:x} with '{line}', which CHAINS-PROTOCOL.md does not allow");
        uint U(int i) => uint.Parse(f[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var entries = f.Skip(9).Select(e =>
        {
            var plus = e.IndexOf('+');
            return new LogEntry(ulong.Parse(e.AsSpan(0, plus), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                                ulong.Parse(e.AsSpan(plus + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }).ToImmutableArray();
        return new ChainResult(unchecked((int)U(2)), U(3), U(4), U(5), U(6), U(7), entries,
            ulong.Parse(f[8], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    void Kill()
    {
        process.Kill();
        process.Dispose();
    }

    public void Dispose() => process.Dispose();
}
