using VhostLog.Harness.Engines;
using VhostLog.Models;

namespace VhostLog.Simulator;

/// <summary>Request paths by engine and semantics.</summary>
public static class RequestPaths
{
    public static readonly IReadOnlyList<string> Engines = ["managed", "native"];

    /// <summary>
    /// The managed request path for --semantics before or after; the state is
    /// the one the equivalence checks run (ManagedEngine.For), so "after"
    /// means the same everywhere.
    /// </summary>
    public static IRequestPath Managed(string semantics)
    {
        var state = ManagedEngine.For(semantics).State;
        var type = typeof(Baseline).Assembly.GetType($"{typeof(Baseline).Namespace}.{state}")
            ?? throw new InvalidOperationException($"model state {state} not found");
        return new ManagedRequestPath((Baseline)Activator.CreateInstance(type)!, state);
    }
}
