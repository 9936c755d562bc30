using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;

namespace VhostLog.Equivalence.Mutation;

/// <summary>A deliberately broken variant: a patch against the generated C of the last model state.</summary>
public sealed record Mutant(string Name, string PatchPath);

/// <summary>
/// The mutant corpus (tests/Equivalence/mutants): each patch breaks one
/// modelled function the way a backport could, and the equivalence harness
/// must tell it from the model.
/// </summary>
public static class Mutants
{
    public static IReadOnlyList<Mutant> InFolder(string dir)
    {
        if (!Directory.Exists(dir))
            throw new UsageException($"{dir}: no such mutant folder");
        return Directory.GetFiles(dir, "*.patch")
            .Order(StringComparer.Ordinal)
            .Select(p => new Mutant(Path.GetFileNameWithoutExtension(p), p))
            .ToList();
    }

    /// <summary>The variant with the mutant's patch applied to its functions (patch -p1, in a scratch folder).</summary>
    public static VariantSource Apply(VariantSource source, Mutant mutant, string scratchRoot)
    {
        var dir = Path.Combine(scratchRoot, $"mutant-{mutant.Name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "generated.c"), source.FunctionsC);
            var r = ProcessRunner.Run("patch", ["-p1", "--quiet", "--no-backup-if-mismatch", "-i", Path.GetFullPath(mutant.PatchPath)], dir);
            if (!r.Ok)
                throw new UsageException(
                    $"{mutant.PatchPath}: the mutant no longer applies to the C generated from {source.Name} (the models changed); " +
                    $"remake it against `./vhostlog translate --state <last state>`:\n{r.Output}");
            var text = File.ReadAllText(Path.Combine(dir, "generated.c"));
            if (text == source.FunctionsC)
                throw new UsageException($"{mutant.PatchPath}: applying it changes nothing");
            return source with { Name = $"mutant-{mutant.Name}", FunctionsC = text };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
