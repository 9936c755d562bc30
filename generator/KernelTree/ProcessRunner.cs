using System.Collections.Frozen;
using System.Collections.Immutable;
using System.ComponentModel;
using System.Diagnostics;

namespace VhostLog.KernelTree;

/// <summary>The outcome of one external process.</summary>
public sealed record ProcResult(
    string Command, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, bool TimedOut)
{
    public bool Ok => ExitCode == 0 && !TimedOut;

    /// <summary>stdout then stderr, trimmed, for reports.</summary>
    public string Output =>
        string.Join("\n", new[] { Stdout.TrimEnd(), Stderr.TrimEnd() }.Where(s => s.Length > 0));
}

/// <summary>The program is not installed (or not on PATH).</summary>
public sealed class ToolMissingException(string file, Exception inner)
    : InvalidOperationException($"cannot start {file}: {inner.Message}", inner)
{
    public string File { get; } = file;
}

/// <summary>
/// Runs external tools with an argument list (never a shell string), a scrubbed
/// environment and a time limit. stdin is closed at once.
/// </summary>
public static class ProcessRunner
{
    /// <summary>
    /// Variables that would change what make, kbuild, git or gcc do if a caller's
    /// environment carried them (a parent make's jobserver, a cross compiler, a
    /// user's git config or repository, coloured or translated diagnostics).
    /// </summary>
    static readonly FrozenSet<string> ScrubbedExact = new[]
    {
        "MAKEFLAGS", "MFLAGS", "GNUMAKEFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "MAKEFILES",
        "ARCH", "SRCARCH", "CROSS_COMPILE", "CC", "LD", "AR", "HOSTCC", "CHECK", "CHECKFLAGS",
        "KCFLAGS", "KCPPFLAGS", "KAFLAGS", "KRUSTFLAGS", "LLVM", "LLVM_IAS", "KERNELRELEASE",
        "INSTALL_MOD_PATH", "O", "M", "W", "C", "V", "DEBIAN_KERNEL_USE_CCACHE",
        "GCC_COLORS", "LANGUAGE",
    }.ToFrozenSet(StringComparer.Ordinal);

    static readonly ImmutableArray<string> ScrubbedPrefixes = ["KBUILD_", "GIT_", "LC_"];

    public static ProcResult Run(
        string file,
        IEnumerable<string> args,
        string workingDir,
        IReadOnlyDictionary<string, string>? env = null,
        TimeSpan? timeout = null,
        string? stdin = null,
        CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        var psi = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.ToList())
            if (ScrubbedExact.Contains(key) ||
                ScrubbedPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal)))
                psi.Environment.Remove(key);
        psi.Environment["LC_ALL"] = "C";
        psi.Environment["LANG"] = "C";
        if (env is not null)
            foreach (var (k, v) in env)
                psi.Environment[k] = v;

        var command = Describe(file, psi.ArgumentList);
        var sw = Stopwatch.StartNew();
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        }
        catch (Win32Exception e)
        {
            throw new ToolMissingException(file, e);
        }
        using (p)
        {
            var stdout = p.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = p.StandardError.ReadToEndAsync(CancellationToken.None);
            if (stdin is not null)
            {
                try
                {
                    p.StandardInput.Write(stdin);
                }
                catch (IOException)
                {
                    // the program exited without reading all of it; its status says why
                }
            }
            p.StandardInput.Close();
            var limit = timeout ?? TimeSpan.FromMinutes(10);
            var timedOut = false;
            bool exited;
            using (cancel.Register(() => Kill(p)))
                exited = p.WaitForExit(limit);
            if (!exited)
            {
                timedOut = true;
                Kill(p);
                p.WaitForExit();
            }
            if (cancel.IsCancellationRequested)
            {
                p.WaitForExit();
                throw new OperationCanceledException($"{command} was stopped (interrupted)", cancel);
            }
            p.WaitForExit(); // drain the redirected streams
            var err = stderr.GetAwaiter().GetResult();
            if (timedOut)
                err += $"\n(killed after {limit.TotalSeconds:0} s)";
            return new ProcResult(command, timedOut ? -1 : p.ExitCode,
                stdout.GetAwaiter().GetResult(), err, sw.Elapsed, timedOut);
        }
    }

    static void Kill(Process p)
    {
        try
        {
            p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }

    /// <summary>A readable, copy-pasteable rendering of a command (for reports only).</summary>
    public static string Describe(string file, IEnumerable<string> args) =>
        string.Join(' ', new[] { file }.Concat(args).Select(Quote));

    static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || "/._-=:+,@%".Contains(c))
            ? s
            : "'" + s.Replace("'", "'\\''") + "'";
}
