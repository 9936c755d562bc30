using System.Text;
using System.Text.RegularExpressions;
using VhostLog.KernelTree;
using VhostLog.KernelTree.Clang;
using VhostLog.Translator;

namespace VhostLog.Equivalence.Variants;

/// <summary>
/// The C of descriptor collection: vhost_get_vq_desc() and everything it
/// calls in drivers/vhost/vhost.c, taken unchanged from a tree by libclang
/// extent, or with vhost_get_vq_desc() and get_indirect() replaced by the C
/// the translator makes of a model state (the tree's helpers stay). The
/// chains driver runs it alone; the equivalence worker runs it under
/// vhost_scsi_get_desc(). The text is self-contained: prototypes of the
/// static functions, the two accessor macros, then the bodies in file order.
/// </summary>
public static class DescriptorCollection
{
    /// <summary>The vhost.c functions of descriptor collection, callees first.</summary>
    public static IReadOnlyList<string> FunctionNames { get; } =
    [
        "vhost_vq_meta_fetch", "vhost_copy_from_user", "__vhost_get_user_slow", "__vhost_get_user",
        "vhost_get_avail_idx", "vhost_get_avail_head", "vhost_get_desc",
        "translate_desc", "next_desc", "get_indirect", "vhost_get_vq_desc",
    ];

    /// <summary>The functions the models give (state Baseline on); the rest are always the tree's.</summary>
    public static IReadOnlyList<string> ModelledFunctions { get; } = ["get_indirect", "vhost_get_vq_desc"];

    /// <summary>The vhost.c macros those functions use, taken by their #define text.</summary>
    static readonly string[] Macros = ["vhost_get_user", "vhost_get_avail"];

    /// <summary>
    /// The text for <paramref name="treeDir"/>; with <paramref name="generated"/>
    /// (the translation of <paramref name="state"/>; other functions in it are
    /// ignored), the modelled functions are the translator's.
    /// </summary>
    /// <exception cref="UsageException">vhost.c or one of the functions is missing, or the translation lacks a modelled function</exception>
    public static string Text(string treeDir, string headersDir, string? state = null, IEnumerable<CFunction>? generated = null)
    {
        Dictionary<string, string>? texts = null;
        if (generated is not null)
        {
            texts = generated.Where(f => ModelledFunctions.Contains(f.Name)).ToDictionary(f => f.Name, f => f.Text);
            foreach (var n in ModelledFunctions.Where(n => !texts.ContainsKey(n)))
                throw new UsageException($"model state {state}: the translation has no {n}(); descriptor collection needs it generated " +
                                         "(does the state model descriptor collection? Baseline does)");
        }
        var vhostC = Path.Combine(treeDir, "drivers", "vhost", "vhost.c");
        if (!File.Exists(vhostC))
            throw new UsageException($"{treeDir}: drivers/vhost/vhost.c not found; is this a kernel source tree?");
        var bytes = File.ReadAllBytes(vhostC);
        var parse = CFile.Parse(vhostC, CParseOptions.ForKernelTree(treeDir, headersDir), null, bytes);
        string TreeText(FunctionExtent e) => Encoding.UTF8.GetString(bytes, e.StartOffset, e.EndOffset - e.StartOffset);
        // The tree's text, or the translator's for the functions it replaces (prototypes included, so they match the bodies).
        string FunctionText(FunctionExtent e) => texts?.GetValueOrDefault(e.Name) ?? TreeText(e);
        var fns = FunctionNames.Select(n =>
                parse.Functions.FirstOrDefault(f => f.Name == n)
                ?? throw new UsageException($"{vhostC}: function {n}() not found; descriptor collection needs it " +
                                            "(is this a vhost tree of Linux 6.x?)"))
            .OrderBy(e => e.StartOffset).ToList();
        var text = new StringBuilder();
        text.Append(texts is null
            ? $"/* Descriptor collection of {treeDir}: drivers/vhost/vhost.c, unchanged. */\n"
            : $"/* Descriptor collection of {treeDir}: drivers/vhost/vhost.c, unchanged, except {string.Join(" and ", texts.Keys.Order(StringComparer.Ordinal).Select(n => n + "()"))}: " +
              $"generated from model state {state}. */\n");
        // Prototypes first: the bodies follow in file order whatever calls what.
        foreach (var e in fns.Where(e => e.IsStatic))
            text.Append(Prototype(FunctionText(e))).Append(";\n");
        text.Append('\n');
        foreach (var m in Macros)
            text.Append($"/* {m}: drivers/vhost/vhost.c */\n").Append(Macro(vhostC, bytes, m)).Append("\n\n");
        foreach (var e in fns)
            text.Append(texts?.ContainsKey(e.Name) == true
                    ? $"/* {e.Name}: generated from model state {state} (in place of drivers/vhost/vhost.c lines {e.StartLine}-{e.EndLine}) */\n"
                    : $"/* {e.Name}: drivers/vhost/vhost.c lines {e.StartLine}-{e.EndLine} */\n")
                .Append(FunctionText(e)).Append("\n\n");
        return text.ToString();
    }

    /// <summary>A definition's declarator: its text up to the body's brace.</summary>
    public static string Prototype(string definition) => definition[..definition.IndexOf('{')].TrimEnd();

    /// <summary>A #define with its continuation lines, as the file has it.</summary>
    /// <exception cref="UsageException">the file has no such macro</exception>
    public static string Macro(string file, byte[] bytes, string name)
    {
        var text = Encoding.UTF8.GetString(bytes);
        var m = Regex.Match(text, $@"^#define[ \t]+{Regex.Escape(name)}\((?:[^\n]*\\\n)*[^\n]*", RegexOptions.Multiline);
        if (!m.Success)
            throw new UsageException($"{file}: macro {name}() not found; the native request path needs it");
        return m.Value;
    }
}
