using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Models;

namespace VhostLog.Simulator;

/// <summary>Request paths by engine and semantics.</summary>
public static class RequestPaths
{
    public static readonly IReadOnlyList<string> Engines = ["managed", "native"];

    /// <summary>
    /// The managed request path for --semantics before or after; the state is
    /// the one the equivalence checks run (ManagedEngine.For), so After
    /// means the same everywhere.
    /// </summary>
    public static IRequestPath Managed(Semantics semantics) => ManagedState(ManagedEngine.For(semantics).State);

    /// <summary>The managed request path of a model state from Baseline on (the states before it model only the response functions).</summary>
    public static ManagedRequestPath ManagedState(string state)
    {
        var type = typeof(Baseline).Assembly.GetType($"{typeof(Baseline).Namespace}.{state}");
        if (type is null || !typeof(Baseline).IsAssignableFrom(type))
            throw new ArgumentException($"no model state '{state}' from Baseline on: pick one of " +
                                        string.Join(", ", ManagedEngine.StateNames.SkipWhile(n => n != nameof(Baseline))));
        return new ManagedRequestPath((Baseline)Activator.CreateInstance(type)!, state);
    }
}
