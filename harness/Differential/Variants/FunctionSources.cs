using System.Text;
using VhostLog.KernelTree;
using VhostLog.KernelTree.Clang;
using VhostLog.Translator;

namespace VhostLog.Harness.Variants;

/// <summary>
/// The C a native variant is built from: the functions under test, taken
/// unchanged from a tree by their libclang extents, or generated from a model
/// state; plus the tree whose vhost.h and vhost_iotlb.h they compile against.
/// </summary>
public sealed record VariantSource(string Name, string HeaderTree, string FunctionsC);

public static class FunctionSources
{
    /// <summary>The vhost.c functions the harness covers, callees first.</summary>
    public static IReadOnlyList<string> Functions { get; } = ["log_write", "log_write_hva", "vhost_log_write"];

    public static VariantSource FromTree(string name, string treeDir, string headersDir)
    {
        var path = Path.Combine(treeDir, "drivers", "vhost", "vhost.c");
        if (!File.Exists(path))
            throw new UsageException($"{treeDir}: drivers/vhost/vhost.c not found");
        var bytes = File.ReadAllBytes(path);
        var extents = CFile.FunctionDefinitions(path, CParseOptions.ForKernelTree(treeDir, headersDir));
        var text = new StringBuilder();
        foreach (var f in Functions)
        {
            var e = extents.FirstOrDefault(x => x.Name == f)
                ?? throw new UsageException($"{path}: function {f}() not found; the harness needs {string.Join(", ", Functions)}");
            text.Append($"/* {f}: drivers/vhost/vhost.c lines {e.StartLine}-{e.EndLine} of {treeDir} */\n");
            text.Append(Encoding.UTF8.GetString(bytes, e.StartOffset, e.EndOffset - e.StartOffset)).Append("\n\n");
        }
        return new VariantSource(name, treeDir, text.ToString());
    }

    public static VariantSource Generated(string name, Translation translation, string state, string headerTree)
    {
        var functions = translation.Translate(state).Where(f => Functions.Contains(f.Name)).ToList();
        var missing = Functions.Except(functions.Select(f => f.Name)).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"model state {state} lacks {string.Join(", ", missing)}");
        var text = new StringBuilder();
        foreach (var f in functions)
            text.Append($"/* {f.Name}: generated from model state {state} */\n").Append(f.Text).Append('\n');
        return new VariantSource(name, headerTree, text.ToString());
    }
}
