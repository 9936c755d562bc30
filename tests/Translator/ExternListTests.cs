using System.Reflection;
using NUnit.Framework;
using VhostLog.Models.Kernel;

namespace VhostLog.Tests.Translator;

/// <summary>
/// The kernel APIs the models call ([Extern] members of KernelModel, each with
/// its managed implementation) and the shim's list (each with a C
/// implementation, checked by the native build) name the same things.
/// </summary>
public sealed class ExternListTests
{
    // Names C needs that no model calls: the export marker follows a function
    // in the tree and is compiled with it.
    static readonly string[] COnly = ["EXPORT_SYMBOL_GPL"];

    [Test]
    public void EveryShimEntryHasAManagedImplementation()
    {
        var managed = ManagedExterns();
        Assert.That(ShimExterns().Except(managed), Is.Empty, "shim entries without an [Extern] in KernelModel");
    }

    /// <summary>Every kernel API the natively tested functions use, in any state, has a C implementation in the shim.</summary>
    [Test]
    public void EveryExternOfTheNativelyTestedFunctionsIsInTheShim()
    {
        var translation = Repo.Translation();
        var used = translation.States()
            .SelectMany(s => translation.Translate(s))
            .Where(f => VhostLog.Harness.Variants.FunctionSources.Functions.Contains(f.Name))
            .SelectMany(f => f.Ir.Externs)
            .Except(CFormExterns())
            .ToHashSet();
        Assert.That(used, Is.Not.Empty);
        Assert.That(used.Except(ShimExterns()), Is.Empty, "externs the native harness needs but harness/shim/externs.list lacks");
        Assert.That(used.Except(ManagedExterns()), Is.Empty);
    }

    static HashSet<string> ManagedExterns() =>
        typeof(KernelModel)
            .GetMembers(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.GetCustomAttribute<ExternAttribute>() is not null)
            .Select(m => m.Name)
            .ToHashSet();

    /// <summary>Externs printed as C syntax (sizeof(*p), container_of(...)) rather than called by name.</summary>
    static HashSet<string> CFormExterns() =>
        typeof(KernelModel)
            .GetMembers(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.GetCustomAttribute<CFormAttribute>() is not null)
            .Select(m => m.Name)
            .ToHashSet();

    static HashSet<string> ShimExterns() =>
        File.ReadLines(Path.Combine(Repo.Root, "harness", "shim", "externs.list"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2)[0])
            .Except(COnly)
            .ToHashSet();
}
