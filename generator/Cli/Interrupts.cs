using System.Runtime.InteropServices;

namespace VhostLog.Cli;

/// <summary>
/// SIGINT (Ctrl-C) and SIGTERM (a CI timeout) as a cancellation: the first
/// one cancels <see cref="Token"/>, which stops the external processes a
/// command started (ProcessRunner kills them) and unwinds it through its
/// clean-up; a second one ends the process at once.
/// </summary>
public sealed class Interrupts : IDisposable
{
    readonly CancellationTokenSource cancel = new();
    readonly PosixSignalRegistration[] registrations;
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
