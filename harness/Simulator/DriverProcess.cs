using System.Diagnostics;
using System.Text;

namespace VhostLog.Simulator;

/// <summary>
/// One of the simulator's native drivers (sim.c, chains.c) as a child
/// process: commands on its stdin, answers on its stdout, and its stderr kept
/// so that a driver that dies or refuses can be reported with what it said.
/// </summary>
public sealed class DriverProcess : IDisposable
{
    readonly Process process;
    readonly StringBuilder stderr = new();

    DriverProcess(Process process)
    {
        this.process = process;
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                lock (stderr)
                    stderr.AppendLine(e.Data);
        };
        process.BeginErrorReadLine();
        process.StandardInput.AutoFlush = false;
    }

    /// <exception cref="InvalidOperationException">the executable could not be started</exception>
    public static DriverProcess Start(string executable)
    {
        var psi = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["LC_ALL"] = "C";
        // A sanitized driver's UBSan report names the kernel function only with its stack.
        if (!psi.Environment.ContainsKey("UBSAN_OPTIONS"))
            psi.Environment["UBSAN_OPTIONS"] = "print_stacktrace=1";
        return new DriverProcess(Process.Start(psi) ?? throw new InvalidOperationException($"could not start {executable}"));
    }

    public StreamWriter Input => process.StandardInput;

    public StreamReader Output => process.StandardOutput;

    /// <summary>Lines of stderr a message keeps: a sanitizer report's error, access and first frames fit, its shadow-byte legend does not.</summary>
    const int KeptLines = 40;

    /// <summary>What the driver wrote to stderr (its first lines), as ":\n..." to append to a message; empty when nothing.</summary>
    public string StderrTail()
    {
        Thread.Sleep(50); // let the last stderr lines arrive
        string text;
        lock (stderr)
            text = stderr.ToString().TrimEnd();
        if (text.Length == 0)
            return "";
        var lines = text.Split('\n');
        return ":\n" + (lines.Length <= KeptLines ? text
            : string.Join('\n', lines.Take(KeptLines)) + $"\n... ({lines.Length - KeptLines} more lines of stderr)");
    }

    /// <summary>After its output ended: how the driver ended (a signal, a status, or still running).</summary>
    public string HowItEnded()
    {
        process.WaitForExit(5000);
        return !process.HasExited ? "closed its output"
            : process.ExitCode > 128 ? $"was killed by signal {process.ExitCode - 128}"
            : process.ExitCode < 0 ? $"was killed by signal {-process.ExitCode}"
            : $"exited with status {process.ExitCode}";
    }

    public void Kill()
    {
        try
        {
            if (!process.HasExited)
                process.Kill();
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // It is gone already.
        }
    }

    /// <summary>Asks the driver to quit (both protocols end on "quit"), killing it if it does not.</summary>
    public void Dispose()
    {
        try
        {
            if (!process.HasExited)
            {
                process.StandardInput.Write("quit\n");
                process.StandardInput.Flush();
                process.StandardInput.Close();
                if (!process.WaitForExit(5000))
                    process.Kill();
            }
        }
        catch (IOException)
        {
            // It is gone already.
        }
        process.Dispose();
    }
}
