using System.Collections.Concurrent;

namespace VhostLog.Boot;

/// <summary>
/// QEMU runs kept by their exact inputs (<see cref="Qemu.RunKey"/>: the QEMU
/// binary and its arguments, the kernel image's bytes, the initramfs's bytes,
/// which hold the guest program, its plan and the variant's modules, and the
/// time limit). Whoever creates one decides how long it lives and hands it to
/// each boot whose runs may repeat: the test run keeps one, so that the boots
/// of the same variants of the same tree (the boot tests, verify's boot
/// stage) run once and each test judges the same run. A run that hit its
/// time limit is not kept. Two boots of the same inputs at once wait for one
/// run instead of both running it.
/// </summary>
public sealed class BootRuns
{
    readonly ConcurrentDictionary<string, SemaphoreSlim> running = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<string, QemuRun> kept = new(StringComparer.Ordinal);

    /// <summary>How many runs are kept.</summary>
    public int Count => kept.Count;

    internal QemuRun GetOrRun(string key, Func<QemuRun> run, CancellationToken cancel)
    {
        if (kept.TryGetValue(key, out var done))
            return done;
        var gate = running.GetOrAdd(key, _ => new SemaphoreSlim(1, 1));
        gate.Wait(cancel);
        try
        {
            if (kept.TryGetValue(key, out done))
                return done;
            var fresh = run();
            if (!fresh.TimedOut)
                kept.TryAdd(key, fresh);
            return fresh;
        }
        finally
        {
            gate.Release();
        }
    }
}
