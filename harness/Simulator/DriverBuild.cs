using System.Security.Cryptography;
using System.Text;
using VhostLog.KernelTree;

namespace VhostLog.Simulator;

/// <summary>
/// Builds one of the simulator's native drivers (sim.c, chains.c) around
/// functions taken from a tree, with make and the driver's .mk, in a folder
/// named by a hash of the functions and the tree so that each tree's driver
/// is built once and make's own dependencies decide when to rebuild.
/// </summary>
public static class DriverBuild
{
    /// <param name="driver">sim or chains: harness/native/{driver}.c and {driver}.mk</param>
    /// <param name="what">what the functions are, for the error when they do not compile</param>
    /// <param name="sanitize">
    /// the sanitized flavour (SAN=1 in common.mk: -O1, ASan+UBSan, UB fatal), the
    /// one way both drivers ask for it; built in a folder of its own so that
    /// the plain driver next to it is neither rebuilt nor replaced
    /// </param>
    public static string Make(string harnessDirectory, string driver, string tree, string functionsC, string buildRoot, string what,
                              bool sanitize = false)
    {
        // The driver's own source is in the key too: worktrees that share the
        // cache may hold different versions of it (and of its protocol).
        var driverSource = File.ReadAllText(Path.Combine(harnessDirectory, "native", $"{driver}.c"));
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            functionsC + "\n" + Path.GetFullPath(tree) + "\n" + driverSource)))[..16];
        var dir = Path.Combine(buildRoot, $"{driver}-{(sanitize ? "san-" : "")}{key}");
        Directory.CreateDirectory(dir);
        var functions = Path.Combine(dir, "functions.c");
        // Rewriting identical text would only make make rebuild.
        if (!File.Exists(functions) || File.ReadAllText(functions) != functionsC)
            File.WriteAllText(functions, functionsC);
        var exe = Path.Combine(dir, $"{driver}-driver");
        var mk = Path.Combine(harnessDirectory, "native", $"{driver}.mk");
        var run = ProcessRunner.Run("make", ["-s", "-f", mk,
            "TREE=" + Path.GetFullPath(tree), "FUNCS=" + functions, "OUT=" + exe, "SAN=" + (sanitize ? "1" : "0")], dir, timeout: TimeSpan.FromMinutes(5));
        if (!run.Ok || !File.Exists(exe))
            throw new UsageException($"{what} of {tree} does not compile against the shim (make -f harness/native/{driver}.mk):\n{run.Output}");
        return exe;
    }
}
