using System.Collections.Immutable;
using System.Text;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Native;
using VhostLog.KernelTree;
using VhostLog.KernelTree.Clang;
using VhostLog.Translator;

namespace VhostLog.Equivalence.Variants;

/// <summary>
/// The C a native variant is built from: the functions under test, taken
/// unchanged from a tree by their libclang extents, or generated from a model
/// state; plus the tree whose vhost.h and vhost_iotlb.h they compile against.
/// <see cref="Functions"/> lists the functions the text defines: every variant
/// has the vhost.c ones, the scsi.c log ones come with patch 6 of the series.
/// <see cref="OtherForms"/> lists the functions of <see cref="Functions"/>
/// the C has in the form before the patch that changes their signature:
/// the response functions before patches 2 and 3, (vs, vq, head, out), as
/// Debian's 6.1 tree has vhost_scsi_send_bad_target() (BeforeFixes's model
/// of it), and vhost_scsi_get_desc() before patch 5, (vs, vq, vc), as every
/// tree without the series has it (Baseline's). The worker and the managed
/// engine drive them in that form (VL_OLD_<name>).
/// </summary>
public sealed record VariantSource(string Name, string HeaderTree, string FunctionsC, ImmutableArray<Function> Functions,
    ImmutableArray<Function> OtherForms = default)
{
    public ImmutableArray<Function> OtherFormsOrEmpty => OtherForms.IsDefault ? [] : OtherForms;
}

/// <summary>
/// A function the native harness runs, the file of drivers/vhost it belongs
/// to, and the structs of that file whose members it uses (copied facts in
/// harness/shim/scsi_env.h, checked against the tree when the function is there).
/// </summary>
public sealed record HarnessFunction(Function Id, string File, params string[] Structs)
{
    public string Name => Id.ToString();

    /// <summary>Every tree has it (vhost.c); the scsi.c ones are new in the series.</summary>
    public bool Required => File == "vhost.c";
}

public static class FunctionSources
{
    /// <summary>The functions the harness covers, callees first.</summary>
    public static IReadOnlyList<HarnessFunction> Catalogue { get; } =
    [
        new(Function.log_write, "vhost.c"),
        new(Function.log_write_hva, "vhost.c"),
        new(Function.vhost_log_write, "vhost.c"),
        new(Function.vhost_scsi_log_write, "scsi.c"),
        new(Function.vhost_scsi_copy_cmd_log, "scsi.c", "vhost_scsi_cmd"),
        new(Function.vhost_scsi_copy_tmf_log, "scsi.c", "vhost_scsi_tmf"),
        new(Function.vhost_scsi_destroy_vq_log, "scsi.c", "vhost_scsi_virtqueue", "vhost_scsi_cmd"),
        // Last, so that the C generated before them keeps its line numbers
        // (the mutant patches depend on them).
        new(Function.vhost_scsi_send_bad_target, "scsi.c", "vhost_scsi_ctx", "vhost_scsi"),
        new(Function.vhost_scsi_send_status, "scsi.c", "vhost_scsi_ctx", "vhost_scsi"),
        // After the tree's descriptor collection (DescriptorCollection), which it calls.
        new(Function.vhost_scsi_get_desc, "scsi.c", "vhost_scsi_ctx", "vhost_scsi"),
        new(Function.vhost_scsi_destroy_logs, "scsi.c", "vhost_scsi", "vhost_scsi_virtqueue", "vhost_scsi_cmd"),
    ];

    /// <summary>
    /// The shim header holding each struct's copied facts: the simulator's
    /// scsi_request_env.h declares the two the response functions use, and
    /// the worker shares it.
    /// </summary>
    static string ShimHeaderOf(string scsiStruct) =>
        scsiStruct is "vhost_scsi_ctx" or "vhost_scsi" ? "scsi_request_env.h" : "scsi_env.h";

    /// <summary>
    /// The functions that come in two forms: the response functions, in the
    /// one patches 2 and 3 give them (vc carrying head, out and in) and the
    /// earlier one taking head and out itself; vhost_scsi_get_desc(), with
    /// the log and log_num patch 5 gives it, and without.
    /// </summary>
    static bool HasTwoForms(Function f) =>
        f is Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target or Function.vhost_scsi_get_desc;

    /// <summary>The text has the form the worker calls by default (the later one).</summary>
    static bool HasDrivenForm(Function f, string functionText)
    {
        var brace = functionText.IndexOf('{', StringComparison.Ordinal);
        var signature = brace < 0 ? functionText : functionText[..brace];
        return signature.Contains(f == Function.vhost_scsi_get_desc ? "struct vhost_log *" : "struct vhost_scsi_ctx *vc",
            StringComparison.Ordinal);
    }

    /// <summary>
    /// scsi.c's response kinds, copied into scsi_request_env.h: the tree must
    /// #define each with the value the shim gives it.
    /// </summary>
    static readonly (string Name, int Value)[] ResponseTypes = [("TYPE_IO_CMD", 0), ("TYPE_CTRL_TMF", 1), ("TYPE_CTRL_AN", 2)];

    /// <summary>scsi.c's virtqueue numbers (an enum there), copied into scsi_env.h.</summary>
    static readonly (string Name, int Value)[] VirtqueueNumbers = [("VHOST_SCSI_VQ_CTL", 0), ("VHOST_SCSI_VQ_EVT", 1), ("VHOST_SCSI_VQ_IO", 2)];

    static void CheckResponseTypes(string scsiC, string text) =>
        CheckCopiedConstants(scsiC, text, ResponseTypes, "scsi_request_env.h", "#define {0}", @"^#define[ \t]+{0}[ \t]+(\d+)[ \t]*$");

    static void CheckVirtqueueNumbers(string scsiC, string text) =>
        CheckCopiedConstants(scsiC, text, VirtqueueNumbers, "scsi_env.h", "enumerator {0} = N", @"\b{0}[ \t]*=[ \t]*(\d+)");

    /// <summary>
    /// Constants the shim header copies from scsi.c: each must be in the
    /// tree (found by <paramref name="pattern"/>, its value the first group)
    /// with the shim's value.
    /// </summary>
    static void CheckCopiedConstants(string scsiC, string text, (string Name, int Value)[] constants, string shimHeader, string what, string pattern)
    {
        foreach (var (name, value) in constants)
        {
            var m = System.Text.RegularExpressions.Regex.Match(text, string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, name),
                System.Text.RegularExpressions.RegexOptions.Multiline);
            if (!m.Success)
                throw new UsageException($"{scsiC}: no {string.Format(System.Globalization.CultureInfo.InvariantCulture, what, name)} found; the harness copies it into {shimHeader}");
            if (m.Groups[1].Value != value.ToString(System.Globalization.CultureInfo.InvariantCulture))
                throw new UsageException($"{scsiC}: {name} is {m.Groups[1].Value} in the tree but {value} in {shimHeader}; correct the copied facts");
        }
    }

    public static IReadOnlyList<string> Functions { get; } = Catalogue.Select(f => f.Name).ToList();

    /// <summary>Every struct whose copied facts harness/shim/scsi_env.h holds.</summary>
    static readonly string[] ScsiStructs = Catalogue.SelectMany(f => f.Structs).Distinct().ToArray();

    public static VariantSource FromTree(string name, string treeDir, string headersDir)
    {
        var text = new StringBuilder();
        var present = ImmutableArray.CreateBuilder<Function>();
        var otherForms = ImmutableArray.CreateBuilder<Function>();
        foreach (var file in Catalogue.Select(f => f.File).Distinct())
        {
            var path = Path.Combine(treeDir, "drivers", "vhost", file);
            if (!File.Exists(path))
                throw new UsageException($"{treeDir}: drivers/vhost/{file} not found; is this a kernel source tree?");
            var bytes = File.ReadAllBytes(path);
            var wanted = Catalogue.Where(f => f.File == file).ToList();
            var parse = CFile.Parse(path, CParseOptions.ForKernelTree(treeDir, headersDir),
                file == "scsi.c" ? ScsiStructs : null, bytes);
            foreach (var f in wanted)
            {
                var e = parse.Functions.FirstOrDefault(x => x.Name == f.Name);
                if (e is null)
                {
                    if (f.Required)
                        throw new UsageException($"{path}: function {f.Name}() not found; the harness needs " +
                            string.Join(", ", Catalogue.Where(c => c.Required).Select(c => c.Name)));
                    continue;
                }
                var body = Encoding.UTF8.GetString(bytes, e.StartOffset, e.EndOffset - e.StartOffset);
                if (f.Id == Function.vhost_scsi_get_desc)
                    text.Append(DescriptorCollection.Text(treeDir, headersDir)).Append('\n');
                if (!f.Required)
                    text.Append($"#define VL_HAVE_{f.Name} 1\n");
                if (HasTwoForms(f.Id) && !HasDrivenForm(f.Id, body))
                {
                    text.Append($"#define VL_OLD_{f.Name} 1\n");
                    otherForms.Add(f.Id);
                }
                text.Append($"/* {f.Name}: drivers/vhost/{file} lines {e.StartLine}-{e.EndLine} of {treeDir} */\n");
                text.Append(body).Append("\n\n");
                present.Add(f.Id);
            }
            // Only the structs of the functions this tree has: a tree part-way
            // through the series lacks the members of the later patches.
            foreach (var s in wanted.Where(f => present.Contains(f.Id)).SelectMany(f => f.Structs).Distinct())
                CheckCopiedFacts(path, s, parse.StructFields.GetValueOrDefault(s) ?? []);
            if (present.Contains(Function.vhost_scsi_destroy_logs))
                CheckVirtqueueNumbers(path, Encoding.UTF8.GetString(bytes));
            // Only the fixed form of vhost_scsi_send_bad_target() takes a type.
            if (present.Contains(Function.vhost_scsi_send_bad_target) && !otherForms.Contains(Function.vhost_scsi_send_bad_target))
                CheckResponseTypes(path, Encoding.UTF8.GetString(bytes));
        }
        return new VariantSource(name, treeDir, text.ToString(), present.ToImmutable(), otherForms.ToImmutable());
    }

    /// <param name="headerTree">the tree whose vhost.h the C compiles against, and whose descriptor collection helpers vhost_scsi_get_desc() runs over</param>
    /// <param name="headersDir">that tree's generated headers (to parse its vhost.c)</param>
    public static VariantSource Generated(string name, Translation translation, string state, string headerTree, string headersDir)
    {
        var translated = translation.Translate(state);
        var functions = translated.Where(f => Functions.Contains(f.Name)).ToList();
        var text = new StringBuilder();
        // The states before Baseline model only the response functions: the
        // worker leaves out the vhost.c ones they lack (VL_LACKS_<name>), and
        // the runner skips them as in neither side.
        foreach (var lacking in Catalogue.Where(c => c.Required).Select(c => c.Name).Except(functions.Select(f => f.Name)))
            text.Append($"#define VL_LACKS_{lacking} 1\n");
        var present = ImmutableArray.CreateBuilder<Function>();
        var otherForms = ImmutableArray.CreateBuilder<Function>();
        // Callees first, as in the catalogue.
        foreach (var c in Catalogue)
        {
            if (functions.FirstOrDefault(f => f.Name == c.Name) is not { } f)
                continue;
            // The generated vhost_get_vq_desc() and get_indirect() over the tree's helpers.
            if (c.Id == Function.vhost_scsi_get_desc)
                text.Append(DescriptorCollection.Text(headerTree, headersDir, state, translated)).Append('\n');
            if (!c.Required)
                text.Append($"#define VL_HAVE_{f.Name} 1\n");
            if (HasTwoForms(c.Id) && !HasDrivenForm(c.Id, f.Text))
            {
                text.Append($"#define VL_OLD_{f.Name} 1\n");
                otherForms.Add(c.Id);
            }
            text.Append($"/* {f.Name}: generated from model state {state} */\n").Append(f.Text).Append('\n');
            present.Add(c.Id);
        }
        return new VariantSource(name, headerTree, text.ToString(), present.ToImmutable(), otherForms.ToImmutable());
    }

    /// <summary>
    /// The shim's scsi.c structs hold copied facts: every member one declares
    /// must be in the tree's definition, with the same type, or the functions
    /// under test would be compiled against a struct the tree does not have.
    /// </summary>
    static void CheckCopiedFacts(string scsiC, string scsiStruct, IReadOnlyList<CField> treeFields) =>
        CheckCopiedFacts(Path.Combine(NativeBuild.FindHarnessDirectory(), "shim", ShimHeaderOf(scsiStruct)), scsiC,
            new Dictionary<string, IReadOnlyList<CField>> { [scsiStruct] = treeFields }, [scsiStruct]);

    /// <summary>
    /// Every member a shim header declares in each of the structs must be in
    /// the tree file's definition with the same type (the simulator's
    /// drivers check their header the same way).
    /// </summary>
    /// <exception cref="UsageException">a struct is missing from the tree, or a member is missing or typed differently</exception>
    public static void CheckCopiedFacts(string shimHeader, string treeFile,
                                        IReadOnlyDictionary<string, IReadOnlyList<CField>> treeStructs, IEnumerable<string> structs)
    {
        var wanted = structs.ToList();
        var parsed = CFile.Parse(shimHeader, CParseOptions.Default with { IncludeDirs = [Path.GetDirectoryName(shimHeader)!] }, wanted);
        foreach (var name in wanted)
        {
            var shimFields = parsed.StructFields.GetValueOrDefault(name)
                ?? throw new InvalidOperationException($"{shimHeader} defines no struct {name}");
            var treeFields = treeStructs.GetValueOrDefault(name) is { Count: > 0 } t ? t
                : throw new UsageException($"{treeFile}: no definition of struct {name} found; the harness needs it to check {shimHeader}");
            foreach (var f in shimFields)
            {
                var inTree = treeFields.FirstOrDefault(t => t.Name == f.Name)
                    ?? throw new UsageException($"{shimHeader}: struct {name} member {f.Name} is not in {treeFile}; " +
                                                "the shim's copied facts must match the tree: remove or rename it there");
                if (inTree.Type != f.Type)
                    throw new UsageException($"{shimHeader}: struct {name} member {f.Name} is '{f.Type}' in the shim " +
                                             $"but '{inTree.Type}' in {treeFile}; correct the copied facts");
            }
        }
    }
}
