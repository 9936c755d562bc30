using System.Collections.Immutable;

namespace VhostLog.Boot;

public enum VariantKind
{
    /// <summary>The distribution's own modules, as the kernel package ships them.</summary>
    Stock,

    /// <summary>The tree's drivers/vhost, built by us against the headers: must behave exactly as stock (validates our build).</summary>
    Pristine,

    /// <summary>The tree with the series applied, built by us.</summary>
    Series,
}

/// <summary>
/// A set of modules booted on the same distribution kernel. A variant with
/// the series logs every page a request lets the device write; the others
/// log only the used ring. <see cref="ModelState"/> is the model state whose
/// replay must predict its bitmap.
/// </summary>
public sealed record Variant(VariantKind Kind, string Name, string ModelState)
{
    /// <summary>The functions its drivers/vhost/scsi.c defines (what some answers depend on).</summary>
    public ImmutableHashSet<string> ScsiFunctions { get; init; } = [];

    public bool HasSeries => Kind == VariantKind.Series;

    public static ImmutableArray<string> Names { get; } = ["stock", "pristine", "series"];
}

/// <summary>One judged fact of a boot: where, what was expected, what was seen.</summary>
public sealed record BootCheck(string Variant, string Workload, string Step, string Check, string Expected, string Observed, bool Passed)
{
    /// <summary>A check that could not run on this tree (a reason instead of a verdict).</summary>
    public string? Skipped { get; init; }
}
