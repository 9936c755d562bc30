using VhostLog.Boot;
using VhostLog.Series.Verify;

namespace VhostLog.Sessions;

/// <summary>
/// Results that verify and boot calls may share, owned by whoever makes the
/// calls: the test run creates one and passes it to every verify and boot
/// its tests make, so identical kbuilds and QEMU runs happen once per run.
/// The CLI passes none: each command builds and boots what it checks.
/// </summary>
public sealed record ResultCaches(KbuildResults Kbuild, BootRuns Boot)
{
    public static ResultCaches Empty() => new(new KbuildResults(), new BootRuns());
}
