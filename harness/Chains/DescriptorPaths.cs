using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;
using VhostLog.Translator;

namespace VhostLog.Chains;

/// <summary>The C the chains driver runs: descriptor collection taken unchanged from a tree.</summary>
/// <param name="Tree">the tree the functions come from (its vhost.h and vhost_iotlb.h are compiled too)</param>
/// <param name="FunctionsC">the functions file chains.c #includes</param>
public sealed record DescriptorPathSource(string Tree, string FunctionsC);

/// <summary>Where the chains driver's C comes from: a tree, or a tree with the translator's C in place of the modelled functions.</summary>
public static class DescriptorPaths
{
    /// <summary>The vhost.c functions the chains driver compiles from the tree (tests check the models' externs against them).</summary>
    public static IReadOnlyList<string> FunctionNames => DescriptorCollection.FunctionNames;

    /// <summary>Takes descriptor collection from drivers/vhost/vhost.c of <paramref name="treeDir"/>; scsi.c is not needed.</summary>
    /// <exception cref="UsageException">vhost.c or one of the functions is missing</exception>
    public static DescriptorPathSource FromTree(string treeDir, string headersDir) =>
        new(treeDir, DescriptorCollection.Text(treeDir, headersDir));

    /// <summary>The functions that <see cref="Generated"/> takes from the translator instead of the tree.</summary>
    public static IReadOnlyList<string> GeneratedFunctions => DescriptorCollection.ModelledFunctions;

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
    public static DescriptorPathSource Generated(string treeDir, string headersDir, string state,
                                                                IEnumerable<CFunction> generated) =>
        new(treeDir, DescriptorCollection.Text(treeDir, headersDir, state, generated));
}
