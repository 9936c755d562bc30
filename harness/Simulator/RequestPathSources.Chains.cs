using System.Text;
using VhostLog.KernelTree;
using VhostLog.KernelTree.Clang;

namespace VhostLog.Simulator;

/// <summary>The C the chains driver runs: descriptor collection taken unchanged from a tree.</summary>
/// <param name="Tree">the tree the functions come from (its vhost.h and vhost_iotlb.h are compiled too)</param>
/// <param name="FunctionsC">the functions file chains.c #includes</param>
public sealed record DescriptorPathSource(string Tree, string FunctionsC);

public static partial class RequestPathSources
{
    /// <summary>
    /// vhost_get_vq_desc() and everything it calls in vhost.c; a subset of
    /// <see cref="VhostFunctions"/>, so the request path's extraction is the
    /// one that is reused (and the log and used-ring functions, which the
    /// chains driver never calls, are not compiled unused).
    /// </summary>
    static readonly string[] DescriptorFunctions =
    [
        "vhost_vq_meta_fetch", "vhost_copy_from_user", "__vhost_get_user_slow", "__vhost_get_user",
        "vhost_get_avail_idx", "vhost_get_avail_head", "vhost_get_desc",
        "translate_desc", "next_desc", "get_indirect", "vhost_get_vq_desc",
    ];

    /// <summary>The vhost.c functions the chains driver compiles from the tree (tests check the models' externs against them).</summary>
    public static IReadOnlyList<string> DescriptorFunctionNames => DescriptorFunctions;

    /// <summary>Takes descriptor collection from drivers/vhost/vhost.c of <paramref name="treeDir"/>; scsi.c is not needed.</summary>
    /// <exception cref="UsageException">vhost.c or one of the functions is missing</exception>
    public static DescriptorPathSource DescriptorPathFromTree(string treeDir, string headersDir)
    {
        var vhostC = Source(treeDir, "vhost.c");
        var bytes = File.ReadAllBytes(vhostC);
        var parse = CFile.Parse(vhostC, CParseOptions.ForKernelTree(treeDir, headersDir), null, bytes);
        string Text(FunctionExtent e) => Encoding.UTF8.GetString(bytes, e.StartOffset, e.EndOffset - e.StartOffset);
        var fns = VhostFunctions.Intersect(DescriptorFunctions).Select(n =>
                parse.Functions.FirstOrDefault(f => f.Name == n)
                ?? throw new UsageException($"{vhostC}: function {n}() not found; descriptor collection needs it " +
                                            "(is this a vhost tree of Linux 6.x?)"))
            .OrderBy(e => e.StartOffset).ToList();
        var text = new StringBuilder();
        text.Append($"/* Descriptor collection of {treeDir}: drivers/vhost/vhost.c, unchanged. */\n");
        // Prototypes first, as for the request path: bodies follow in file order whatever calls what.
        foreach (var e in fns.Where(e => e.IsStatic))
            text.Append(Prototype(Text(e))).Append(";\n");
        text.Append('\n');
        foreach (var m in new[] { "vhost_get_user", "vhost_get_avail" })
            text.Append($"/* {m}: drivers/vhost/vhost.c */\n").Append(Macro(vhostC, bytes, m)).Append("\n\n");
        foreach (var e in fns)
            text.Append($"/* {e.Name}: drivers/vhost/vhost.c lines {e.StartLine}-{e.EndLine} */\n").Append(Text(e)).Append("\n\n");
        return new DescriptorPathSource(treeDir, text.ToString());
    }
}
