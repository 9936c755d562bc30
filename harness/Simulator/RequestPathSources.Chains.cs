using System.Text;
using VhostLog.KernelTree;
using VhostLog.KernelTree.Clang;
using VhostLog.Translator;

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
    public static DescriptorPathSource DescriptorPathFromTree(string treeDir, string headersDir) =>
        DescriptorPath(treeDir, headersDir, null, null);

    /// <summary>The functions that <see cref="DescriptorPathGenerated"/> takes from the translator instead of the tree.</summary>
    public static IReadOnlyList<string> GeneratedDescriptorFunctions { get; } = ["get_indirect", "vhost_get_vq_desc"];

    /// <summary>
    /// The tree's descriptor collection with vhost_get_vq_desc() and
    /// get_indirect() replaced by the C translated from a model state, so
    /// the generated C itself runs against the tree's helpers
    /// (translate_desc(), next_desc(), ...), which it calls as the tree does.
    /// <paramref name="generated"/> is what <c>Translation.Translate(state)</c>
    /// gives (other functions in it are ignored); tests pass an edited copy
    /// to show a broken translation is caught.
    /// </summary>
    /// <exception cref="UsageException">the translation lacks one of the two functions, or the tree lacks a helper</exception>
    public static DescriptorPathSource DescriptorPathGenerated(string treeDir, string headersDir, string state,
                                                                IEnumerable<CFunction> generated)
    {
        var texts = generated.Where(f => GeneratedDescriptorFunctions.Contains(f.Name)).ToDictionary(f => f.Name, f => f.Text);
        foreach (var n in GeneratedDescriptorFunctions.Where(n => !texts.ContainsKey(n)))
            throw new UsageException($"model state {state}: the translation has no {n}(); the chains driver needs it generated " +
                                     "(does the state model descriptor collection? Baseline does)");
        return DescriptorPath(treeDir, headersDir, state, texts);
    }

    static DescriptorPathSource DescriptorPath(string treeDir, string headersDir, string? state, IReadOnlyDictionary<string, string>? generated)
    {
        var vhostC = Source(treeDir, "vhost.c");
        var bytes = File.ReadAllBytes(vhostC);
        var parse = CFile.Parse(vhostC, CParseOptions.ForKernelTree(treeDir, headersDir), null, bytes);
        string TreeText(FunctionExtent e) => Encoding.UTF8.GetString(bytes, e.StartOffset, e.EndOffset - e.StartOffset);
        // The tree's text, or the translator's for the functions it replaces (prototypes included, so they match the bodies).
        string Text(FunctionExtent e) => generated?.GetValueOrDefault(e.Name) ?? TreeText(e);
        var fns = VhostFunctions.Intersect(DescriptorFunctions).Select(n =>
                parse.Functions.FirstOrDefault(f => f.Name == n)
                ?? throw new UsageException($"{vhostC}: function {n}() not found; descriptor collection needs it " +
                                            "(is this a vhost tree of Linux 6.x?)"))
            .OrderBy(e => e.StartOffset).ToList();
        var text = new StringBuilder();
        text.Append(generated is null
            ? $"/* Descriptor collection of {treeDir}: drivers/vhost/vhost.c, unchanged. */\n"
            : $"/* Descriptor collection of {treeDir}: drivers/vhost/vhost.c, unchanged, except {string.Join(" and ", generated.Keys.Order(StringComparer.Ordinal).Select(n => n + "()"))}: " +
              $"generated from model state {state}. */\n");
        // Prototypes first, as for the request path: bodies follow in file order whatever calls what.
        foreach (var e in fns.Where(e => e.IsStatic))
            text.Append(Prototype(Text(e))).Append(";\n");
        text.Append('\n');
        foreach (var m in new[] { "vhost_get_user", "vhost_get_avail" })
            text.Append($"/* {m}: drivers/vhost/vhost.c */\n").Append(Macro(vhostC, bytes, m)).Append("\n\n");
        foreach (var e in fns)
            text.Append(generated?.ContainsKey(e.Name) == true
                    ? $"/* {e.Name}: generated from model state {state} (in place of drivers/vhost/vhost.c lines {e.StartLine}-{e.EndLine}) */\n"
                    : $"/* {e.Name}: drivers/vhost/vhost.c lines {e.StartLine}-{e.EndLine} */\n")
                .Append(Text(e)).Append("\n\n");
        return new DescriptorPathSource(treeDir, text.ToString());
    }
}
