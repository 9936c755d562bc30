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

    /// <summary>
    /// Every kernel API the natively tested functions use, in any state, has
    /// a C implementation in the shim, or, for vhost_scsi_get_desc() (the
    /// worker compiles the tree's descriptor collection under it), where
    /// tree-externs.list says.
    /// </summary>
    [Test]
    public void EveryExternOfTheNativelyTestedFunctionsIsInTheShim()
    {
        var translation = Repo.Translation();
        var used = translation.States()
            .SelectMany(s => translation.Translate(s))
            .Where(f => VhostLog.Equivalence.Variants.FunctionSources.Functions.Contains(f.Name))
            .SelectMany(f => f.Ir.Externs)
            .Except(CFormExterns())
            .ToHashSet();
        Assert.That(used, Is.Not.Empty);
        Assert.That(used.Except(ShimExterns()).Except(TreeExterns().Keys), Is.Empty,
            "externs the native harness needs but neither harness/shim/externs.list nor tree-externs.list has");
        Assert.That(used.Except(ManagedExterns()), Is.Empty);
    }

    static readonly string[] DescriptorCollection = ["vhost_get_vq_desc", "get_indirect"];

    /// <summary>
    /// The models of descriptor collection call vhost.c's own static helpers
    /// and header definitions that the drivers and the worker compile with
    /// the tree's descriptor collection:
    /// each is in externs.list or in tree-externs.list, whose every entry is
    /// used, and is really where that list says C gets it.
    /// </summary>
    [Test]
    public void EveryExternOfDescriptorCollectionHasItsCImplementationNamed()
    {
        var translation = Repo.Translation();
        var used = translation.Translate(translation.States().First(s => s == "Baseline"))
            .Where(f => DescriptorCollection.Contains(f.Name))
            .SelectMany(f => f.Ir.Externs)
            .Except(CSyntaxExterns())
            .ToHashSet();
        Assert.That(used, Does.Contain("translate_desc"));
        Assert.That(used, Does.Contain("vhost_get_desc"));
        var tree = TreeExterns();
        Assert.That(used.Except(ShimExterns()).Except(tree.Keys), Is.Empty,
            "externs of vhost_get_vq_desc()/get_indirect() in neither externs.list nor tree-externs.list");
        Assert.That(tree.Keys.Except(used), Is.Empty, "tree-externs.list entries no descriptor-collection model uses");
        Assert.That(tree.Keys.Intersect(ShimExterns()), Is.Empty, "listed in both externs.list and tree-externs.list");
        Assert.That(tree.Keys.Except(ManagedExterns()), Is.Empty, "tree-externs.list entries without an [Extern] in KernelModel");
        var vhostH = File.ReadAllText(Path.Combine(Repo.DefaultTreeDir, "drivers", "vhost", "vhost.h"));
        foreach (var (name, where) in tree)
        {
            if (where == "vhost.c")
                Assert.That(VhostLog.Chains.DescriptorPaths.FunctionNames, Does.Contain(name),
                    $"{name}: the chains driver does not take it from vhost.c");
            else if (where == "vhost.h")
                Assert.That(System.Text.RegularExpressions.Regex.IsMatch(vhostH, $@"\b{name}\s*\("), Is.True, $"{name}: not in the tree's vhost.h");
            else if (where.StartsWith("shim:", StringComparison.Ordinal))
                Assert.That(System.Text.RegularExpressions.Regex.IsMatch(
                    File.ReadAllText(Path.Combine(Repo.Root, "harness", "shim", where["shim:".Length..])), $@"#define\s+{name}\b|\b{name}\s*\("),
                    Is.True, $"{name}: not defined in harness/shim/{where["shim:".Length..]}");
            else
                Assert.That(where, Is.EqualTo("uapi"), $"{name}: unknown kind '{where}'");
        }
    }

    static Dictionary<string, string> TreeExterns() =>
        File.ReadLines(Path.Combine(Repo.Root, "harness", "shim", "tree-externs.list"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(w => w[0], w => w[1]);

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

    /// <summary>CForm externs that C spells as syntax (sizeof(...)), not as a call of a function of their name (translate_desc(..., iov + n, ...)).</summary>
    static HashSet<string> CSyntaxExterns() =>
        typeof(KernelModel)
            .GetMembers(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.GetCustomAttribute<CFormAttribute>() is { } f && !f.Template.StartsWith(m.Name + "(", StringComparison.Ordinal))
            .Select(m => m.Name)
            .ToHashSet();

    static HashSet<string> ShimExterns() =>
        File.ReadLines(Path.Combine(Repo.Root, "harness", "shim", "externs.list"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2)[0])
            .Except(COnly)
            .ToHashSet();
}
