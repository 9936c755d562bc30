using System.Diagnostics;
using System.Globalization;
using VhostLog.Equivalence.Cases;

namespace VhostLog.Equivalence.Bench;

/// <summary>What the native driver measured for one workload.</summary>
/// <param name="NanosecondsPerCall">Median over its rounds.</param>
/// <param name="MinNanosecondsPerCall">Its fastest round.</param>
/// <param name="SetBitCallsPerCall">set_bit_to_user() calls one call makes.</param>
/// <param name="Calls">Calls timed in all rounds.</param>
public sealed record NativeTiming(double NanosecondsPerCall, double MinNanosecondsPerCall, long SetBitCallsPerCall, long Calls);

/// <summary>
/// The native benchmark driver (harness/native/bench.c, built by
/// harness/native/bench.mk at -O2 like the worker) for one functions file,
/// and the two ways to run it on a <see cref="BenchWorkload"/>.
/// </summary>
public sealed class NativeBenchDriver
{
    NativeBenchDriver(string path) => DriverPath = path;

    public string DriverPath { get; }

    /// <summary>
    /// Builds the driver into <paramref name="outDirectory"/> from
    /// <paramref name="functionsC"/> against the tree's vhost.h (make
    /// rebuilds only what changed).
    /// </summary>
    /// <exception cref="InvalidOperationException">make failed; the message holds its output.</exception>
    public static NativeBenchDriver Build(string harnessDirectory, string treeDirectory, string functionsC, string outDirectory)
    {
        Directory.CreateDirectory(outDirectory);
        var functions = Path.Combine(outDirectory, "functions.c");
        // Rewriting identical text would only make make rebuild.
        if (!File.Exists(functions) || File.ReadAllText(functions) != functionsC)
            File.WriteAllText(functions, functionsC);
        var driver = Path.Combine(outDirectory, "bench-driver");
        var (code, output) = Run("make", ["-s", "-f", Path.Combine(harnessDirectory, "native", "bench.mk"),
            "TREE=" + Path.GetFullPath(treeDirectory), "FUNCS=" + Path.GetFullPath(functions),
            "OUT=" + Path.GetFullPath(driver)]);
        if (code != 0 || !File.Exists(driver))
            throw new InvalidOperationException($"building the native bench driver failed (exit {code}):\n{output}");
        return new NativeBenchDriver(driver);
    }

    /// <summary>Times the workload for about <paramref name="seconds"/> (nine rounds: median and fastest).</summary>
    public NativeTiming Time(BenchWorkload workload, double seconds = 1.0)
    {
        var line = Execute("time", workload, seconds.ToString("R", CultureInfo.InvariantCulture)).Trim();
        var fields = line.Split(' ').Select(f => f.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        return new NativeTiming(
            double.Parse(fields["ns_per_call"], CultureInfo.InvariantCulture),
            double.Parse(fields["min_ns_per_call"], CultureInfo.InvariantCulture),
            long.Parse(fields["set_bit_calls_per_call"], CultureInfo.InvariantCulture),
            long.Parse(fields["calls"], CultureInfo.InvariantCulture));
    }

    /// <summary>One call on a fresh bitmap, and what it did.</summary>
    public BenchOutcome Check(BenchWorkload workload)
    {
        var lines = Execute("check", workload).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var head = lines[0].Split(' ').Select(f => f.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
        var bytes = lines.Skip(1).Select(l => l.Split(' ')).Select(p =>
            (ulong.Parse(p[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
             byte.Parse(p[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture))).ToList();
        if (bytes.Count != int.Parse(head["bytes"], CultureInfo.InvariantCulture))
            throw new InvalidOperationException($"bench driver: {head["bytes"]} bytes announced, {bytes.Count} listed");
        return new BenchOutcome(int.Parse(head["ret"], CultureInfo.InvariantCulture),
            long.Parse(head["signals"], CultureInfo.InvariantCulture),
            long.Parse(head["set_bit_calls"], CultureInfo.InvariantCulture), bytes);
    }

    string Execute(string mode, BenchWorkload w, params string[] extra)
    {
        string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture);
        var fn = w.Function switch
        {
            Function.log_write => "log_write",
            Function.vhost_log_write => "vhost_log_write",
            _ => throw new NotSupportedException($"no native benchmark for {w.Function}"),
        };
        var (code, output) = Run(DriverPath,
            [mode, fn, Hex(w.LogBase), Hex(w.BitmapLength), Hex(w.Address), Hex(w.Length), Hex(w.Segment), .. extra]);
        if (code != 0)
            throw new InvalidOperationException($"bench driver {mode} {w.Name} failed (exit {code}):\n{output}");
        return output;
    }

    static (int Code, string Output) Run(string program, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["LC_ALL"] = "C";
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var errors = err.GetAwaiter().GetResult();
        return (p.ExitCode, p.ExitCode == 0 ? output : output + errors);
    }
}
