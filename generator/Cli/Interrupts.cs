using System.Runtime.InteropServices;

namespace VhostLog.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM (a CI timeout) as a cancellation: the first
/// one cancels <see cref="Token"/>, which stops the external processes a
/// command started (ProcessRunner kills them) and unwinds it through its
/// clean-up; a second one ends the process at once. The command tells it
/// the steps it begins and how far it got, so that the line an interrupted
/// run ends with says what was finished.
/// </summary>
public sealed class Interrupts : IDisposable
{
    readonly CancellationTokenSource cancel = new();
    readonly PosixSignalRegistration[] registrations;
    readonly object gate = new();
    readonly List<string> finished = [];
    string? current;
    int signal;

    public Interrupts()
    {
        registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    public CancellationToken Token => cancel.Token;

    /// <summary>The signal's name once one came.</summary>
    public string SignalName => signal == 15 ? "SIGTERM" : "SIGINT";

    /// <summary>128 + the signal number, as a shell reports a process the signal ended.</summary>
    public int ExitCode => signal == 15 ? 143 : 130;

    /// <summary>A new step begins: the one before it is finished.</summary>
    public void Began(string step)
    {
        lock (gate)
        {
            if (current is not null)
                finished.Add(current);
            current = step;
        }
    }

    /// <summary>How far the current step got (a count of cases, say); it is not finished yet.</summary>
    public void Reached(string step)
    {
        lock (gate)
            current = step;
    }

    /// <summary>The current step is finished, and nothing else has begun.</summary>
    public void Finished(string step)
    {
        lock (gate)
        {
            finished.Add(step);
            current = null;
        }
    }

    /// <summary>Progress lines: printed to stderr, each one a step begun.</summary>
    /// <param name="prefix">what the steps belong to (verify's, inside generate)</param>
    public IProgress<string> Steps(string prefix = "") => new Reporter<string>(step =>
    {
        Began(prefix + step);
        Console.Error.WriteLine("  " + prefix + step);
    });

    /// <summary>The line an interrupted run ends with: the signal, where it came, what was finished.</summary>
    public string Account()
    {
        lock (gate)
        {
            var at = current is null ? "between steps" : $"during \"{current}\"";
            var done = finished.Count switch
            {
                0 => "nothing was finished before it",
                <= 4 => $"finished before it: {string.Join("; ", finished)}",
                _ => $"finished before it: {finished.Count} steps, the last {string.Join("; ", finished.TakeLast(3))}",
            };
            return $"interrupted by {SignalName} {at}; {done}. Its child processes were stopped and its temporary files removed; no result was written";
        }
    }

    void Handle(PosixSignalContext context)
    {
        if (Interlocked.CompareExchange(ref signal, context.Signal == PosixSignal.SIGTERM ? 15 : 2, 0) != 0)
        {
            context.Cancel = false; // the second one: the default action ends the process
            return;
        }
        context.Cancel = true;
        cancel.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in registrations)
            r.Dispose();
        cancel.Dispose();
    }
}
