using VhostLog.KernelTree;
using VhostLog.Series;

namespace VhostLog.Simulator;

/// <summary>
/// Whether a tree has one of the series' patches, answered as the generator
/// answers it: by the patch's probe in templates/series.json, run by the
/// same <see cref="Spatch"/> runner (SeriesComposer asks it before it
/// generates a patch, and again after, of what it generated).
/// </summary>
/// <remarks>
/// One instance is meant to serve a whole run: the runner keeps each probe's
/// answer by the hashes of the probe and the file, so the many trees a test
/// run builds the request path of are probed once per distinct file.
/// </remarks>
public sealed class SeriesProbes(SeriesDefinition series, Spatch spatch)
{
    /// <summary>The series of templates/ and a runner with its macro file, cached for the life of the instance.</summary>
    /// <exception cref="UsageException">templates/series.json is missing or malformed</exception>
    public static SeriesProbes Load(string templatesDirectory) =>
        new(SeriesDefinition.Load(templatesDirectory), new Spatch(Path.Combine(templatesDirectory, "glue", "macros.h")));

    /// <summary>True when the probe of patch <paramref name="number"/> matches its file in <paramref name="treeDir"/>.</summary>
    /// <exception cref="UsageException">the patch has no probe, spatch is missing or the probe does not run</exception>
    public bool Has(int number, string treeDir)
    {
        var patch = series.Patches.FirstOrDefault(p => p.Number == number)
            ?? throw new UsageException($"templates/series.json has no patch {number}");
        var probe = patch.Probe
            ?? throw new UsageException($"patch {number} in templates/series.json has no probe; the simulator asks it whether a tree has the patch");
        return spatch.Matches(Path.Combine(series.TemplatesDir, probe.Cocci), probe.File, treeDir);
    }
}
