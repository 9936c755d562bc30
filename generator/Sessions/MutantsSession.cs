using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Mutation;
using VhostLog.Equivalence.Runner;
using VhostLog.Equivalence.Variants;

namespace VhostLog.Sessions;

/// <summary>The mutation score of the equivalence harness: each mutant of the generated C must diverge from the model.</summary>
public static class MutantsSession
{
    /// <summary>Cases per function CI runs each mutant with; every mutant must be killed at this count.</summary>
    public const int CiCases = 3000;

    /// <summary>The seed CI uses.</summary>
    public const ulong CiSeed = 20261122;

    /// <summary>One mutant of the generated C of the last model state against that state.</summary>
    public static EquivResult Run(string repo, Mutant mutant, int cases = CiCases, ulong seed = CiSeed, CancellationToken cancel = default)
    {
        var engine = ManagedEngine.For(Semantics.After);
        var tree = Targets.Resolve(repo, null);
        var generated = FunctionSources.Generated($"generated-{engine.State}", Translators.Create(repo), engine.State,
            tree.Dir, tree.HeadersDir);
        var mutated = Mutants.Apply(generated, mutant, Targets.WorkRoot(repo));
        return EquivSession.Run(repo, mutated, engine, Semantics.After, new EquivOptions(Enum.GetValues<Function>(), cases, seed) { Cancel = cancel }, sanitize: false);
    }
}
