using VhostLog.Equivalence.Engines;

namespace VhostLog.Boot;

/// <summary>The model states in series order (generator/Models/States.cs), as the boot stage compares them.</summary>
public static class ModelStates
{
    /// <summary>True when <paramref name="state"/> is <paramref name="since"/> or a later state.</summary>
    public static bool AtLeast(string state, string since) => Index(state) >= Index(since);

    /// <summary>
    /// The state whose request path replays a tree in <paramref name="state"/>:
    /// the states before Baseline model only the response functions, and
    /// log exactly as Baseline does (the logging patches come after it).
    /// </summary>
    public static string Replayable(string state) => AtLeast(state, "Baseline") ? state : "Baseline";

    static int Index(string state)
    {
        var i = ManagedEngine.StateNames.ToList().IndexOf(state);
        return i >= 0 ? i : throw new ArgumentException($"no model state '{state}': pick one of {string.Join(", ", ManagedEngine.StateNames)}");
    }
}
