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
    public void ManagedAndShimExternsAgree()
    {
        var managed = typeof(KernelModel)
            .GetMembers(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.GetCustomAttribute<ExternAttribute>() is not null)
            .Select(m => m.Name)
            .ToHashSet();
        var shim = File.ReadLines(Path.Combine(Repo.Root, "harness", "shim", "externs.list"))
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l.Split(' ', 2)[0])
            .Except(COnly)
            .ToHashSet();
        Assert.That(managed.Except(shim), Is.Empty, "[Extern]s without a shim entry in harness/shim/externs.list");
        Assert.That(shim.Except(managed), Is.Empty, "shim entries without an [Extern] in KernelModel");
    }
}
