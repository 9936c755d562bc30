using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace VhostLog.KernelTree;

/// <summary>
/// Runs Coccinelle's spatch with the series' macro file. The series
/// generator and the simulator both ask "does this tree have patch N?"
/// through <see cref="Matches"/>, so the same probe gives the same answer
/// in both.
/// </summary>
/// <remarks>
/// A probe's answer depends only on the probe, the file it reads and the
/// macro file, so answers are kept by their hashes for as long as the
/// instance lives: its owner decides what one run is (a generate, a
/// simulate, a test run), and a file edited in between is simply a new key.
/// </remarks>
/// <param name="macroFile">macros Coccinelle does not know (templates/glue/macros.h), so it parses the functions that use them</param>
public sealed class Spatch(string macroFile)
{
    readonly ConcurrentDictionary<(string Probe, string Target, string Macros), bool> answers = new();

    /// <summary>
    /// Runs a probe (a rule whose lines of interest are marked with *) on
    /// one file; true when it matches somewhere.
    /// </summary>
    /// <param name="probe">the .cocci file</param>
    /// <param name="target">the C file, absolute or relative to <paramref name="workingDirectory"/></param>
    /// <exception cref="UsageException">spatch is not installed, a file is missing, or spatch fails (e.g. the probe does not parse)</exception>
    public bool Matches(string probe, string target, string workingDirectory)
    {
        var targetPath = Path.Combine(workingDirectory, target);
        var key = (Hash(Existing(probe, "probe")), Hash(Existing(targetPath, "file to probe")), Hash(Existing(macroFile, "macro file")));
        return answers.GetOrAdd(key, _ =>
        {
            var r = Run(["--very-quiet"], probe, target, workingDirectory);
            if (!r.Ok)
                throw new UsageException($"spatch could not run the probe {probe} on {targetPath}: {r.Output}");
            // A match is shown as a diff whose * lines are "-" lines; the
            // first line ("--- a/...") is the header.
            return r.Stdout.Contains("\n-", StringComparison.Ordinal);
        });
    }

    /// <summary>Runs a semantic patch on one file with the given spatch options; the caller judges the outcome.</summary>
    /// <exception cref="UsageException">spatch is not installed</exception>
    public ProcResult Run(IEnumerable<string> options, string cocci, string target, string workingDirectory)
    {
        try
        {
            return ProcessRunner.Run("spatch", [.. options, "--macro-file", macroFile, "--sp-file", cocci, target], workingDirectory);
        }
        catch (ToolMissingException)
        {
            throw new UsageException("spatch (Debian package coccinelle) is not installed; run `make deps`");
        }
    }

    static string Existing(string path, string what) =>
        File.Exists(path) ? path : throw new UsageException($"{path}: no such {what}");

    static string Hash(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
