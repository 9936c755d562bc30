using System.Collections.Immutable;
using VhostLog.Models.Kernel;

namespace VhostLog.Models;

/// <summary>One model state of States.cs: its class, whether its patch is opt-in, and what the patch does.</summary>
public sealed record ModelStateInfo(string Name, Type Type, bool OptIn, string Description)
{
    /// <summary>A fresh instance: the model state with empty kernel memory.</summary>
    public BeforeFixes Create() => (BeforeFixes)Activator.CreateInstance(Type)!;
}

/// <summary>
/// The registry of model states, read from the [ModelState] classes of
/// States.cs, oldest first. The translator finds the same classes in the
/// models' source (it runs as an analyzer of this assembly, so it cannot
/// load it); a test holds the two lists equal.
/// </summary>
public static class ModelStates
{
    public static ImmutableArray<ModelStateInfo> All { get; } =
    [
        .. typeof(BeforeFixes).Assembly.GetTypes()
            .Where(t => typeof(BeforeFixes).IsAssignableFrom(t))
            .Select(t => (Type: t, Attribute: (ModelStateAttribute?)Attribute.GetCustomAttribute(t, typeof(ModelStateAttribute), inherit: false)))
            .Where(s => s.Attribute is not null)
            .OrderBy(s => Depth(s.Type))
            .Select(s => new ModelStateInfo(s.Type.Name, s.Type, s.Attribute!.OptIn, s.Attribute.Description)),
    ];

    public static ImmutableArray<string> Names { get; } = [.. All.Select(s => s.Name)];

    /// <summary>
    /// The state the default series leaves the tree in ("after"): the newest
    /// state whose patch is not opt-in (a series without the opt-in patch is
    /// not judged by its state).
    /// </summary>
    public static ModelStateInfo Last { get; } = All.Last(s => !s.OptIn);

    /// <summary>The state the default tree ships in ("before").</summary>
    public static ModelStateInfo Baseline { get; } = Find(nameof(Models.Baseline));

    /// <exception cref="ArgumentException">no model state has that name; the message lists them</exception>
    public static ModelStateInfo Find(string name) =>
        All.FirstOrDefault(s => s.Name == name)
        ?? throw new ArgumentException($"no model state '{name}': pick one of {string.Join(", ", Names)}");

    static int Depth(Type t)
    {
        var d = 0;
        for (var b = t.BaseType; b is not null; b = b.BaseType)
            d++;
        return d;
    }
}
