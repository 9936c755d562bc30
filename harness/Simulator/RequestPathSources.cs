using System.Text;
using VhostLog.Equivalence.Native;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;
using VhostLog.KernelTree.Clang;
using VhostLog.Models;

namespace VhostLog.Simulator;

/// <summary>
/// The C the native engine runs: the request path taken unchanged from a
/// tree, and how far the tree has the series (<see cref="Glue"/>: 0, or the
/// highest of patches 4-8 it contains, as the series' probes and the
/// functions the patches add say), which decides the glue sim.c compiles
/// around it.
/// </summary>
/// <param name="Tree">the tree the functions come from (its vhost.h and vhost_iotlb.h are compiled too)</param>
/// <param name="FunctionsC">the functions file sim.c #includes</param>
/// <param name="Glue">the series level: 0 (as shipped), 4 .. 8</param>
/// <param name="State">the model state of the same level (what the managed engine would run)</param>
public sealed record RequestPathSource(string Tree, string FunctionsC, int Glue, string State);

public static partial class RequestPathSources
{
    /// <summary>
    /// drivers/vhost/vhost.c: vhost_get_vq_desc() and what it calls,
    /// vhost_add_used() and what it calls, and the log functions.
    /// </summary>
    static readonly string[] VhostFunctions =
    [
        "vhost_vq_meta_fetch", "vhost_copy_to_user", "vhost_copy_from_user", "__vhost_get_user_slow", "__vhost_get_user",
        "vhost_put_used", "vhost_put_used_idx", "vhost_get_avail_idx", "vhost_get_avail_head", "vhost_get_desc",
        "log_write", "log_write_hva", "log_used", "vhost_log_write",
        "translate_desc", "next_desc", "get_indirect", "vhost_get_vq_desc",
        "vhost_add_used", "__vhost_add_used_n", "vhost_add_used_n",
    ];

    /// <summary>The vhost.c macros those functions use, taken by their #define text.</summary>
    static readonly string[] VhostMacros = ["vhost_put_user", "vhost_get_user", "vhost_get_avail"];

    /// <summary>scsi.c: every tree has vhost_scsi_get_desc(); the others come with the series (patches 6 and 7).</summary>
    const string GetDesc = "vhost_scsi_get_desc", CopyCmdLog = "vhost_scsi_copy_cmd_log", ScsiLogWrite = "vhost_scsi_log_write",
        CopyTmfLog = "vhost_scsi_copy_tmf_log", EvtWork = "vhost_scsi_do_evt_work";

    /// <summary>The structs whose members harness/shim/scsi_request_env.h (and scsi_env.h) copy from scsi.c.</summary>
    static readonly string[] ScsiStructs = ["vhost_scsi_ctx", "vhost_scsi", "vhost_scsi_virtqueue", "vhost_scsi_tmf", "vhost_scsi_cmd"];

    /// <summary>The model state of each glue level.</summary>
    public static string StateOf(int glue) => glue switch
    {
        0 => nameof(Baseline),
        4 => nameof(BroaderLogWrite),
        5 => nameof(GetDescLog),
        6 => nameof(IoQueueLog),
        7 => nameof(CtlQueueLog),
        8 => nameof(EvtQueueLog),
        _ => throw new ArgumentOutOfRangeException(nameof(glue), glue, "not a series level"),
    };

    /// <exception cref="UsageException">a file or function the request path needs is missing, or the tree has the series only in part</exception>
    /// <param name="probes">answers whether the tree has patches 4, 5 and 8, as the series generator does (one per run: it caches)</param>
    /// <param name="harnessDirectory">the repository's harness folder (its shim holds the copied facts); default: found above the application</param>
    public static RequestPathSource FromTree(string treeDir, string headersDir, SeriesProbes probes, string? harnessDirectory = null)
    {
        var vhostC = Source(treeDir, "vhost.c");
        var scsiC = Source(treeDir, "scsi.c");
        var options = CParseOptions.ForKernelTree(treeDir, headersDir);
        var vhostBytes = File.ReadAllBytes(vhostC);
        var scsiBytes = File.ReadAllBytes(scsiC);
        var vhost = CFile.Parse(vhostC, options, null, vhostBytes);
        var scsi = CFile.Parse(scsiC, options, ScsiStructs, scsiBytes);

        FunctionExtent Required(CParseResult parse, string name, string file) =>
            parse.Functions.FirstOrDefault(f => f.Name == name)
            ?? throw new UsageException($"{file}: function {name}() not found; the native request path needs it " +
                                        "(is this a vhost-scsi tree of Linux 6.x?)");
        FunctionExtent? Optional(string name) => scsi.Functions.FirstOrDefault(f => f.Name == name);
        string Text(byte[] bytes, FunctionExtent e) => Encoding.UTF8.GetString(bytes, e.StartOffset, e.EndOffset - e.StartOffset);

        var vhostFns = VhostFunctions.Select(n => Required(vhost, n, vhostC)).OrderBy(e => e.StartOffset).ToList();
        var getDesc = Required(scsi, GetDesc, scsiC);
        // Patch 8's probe reads vhost_scsi_do_evt_work(); sim.c's event glue calls it.
        _ = Required(scsi, EvtWork, scsiC);
        var copyCmd = Optional(CopyCmdLog);
        var logWrite = Optional(ScsiLogWrite);
        var copyTmf = Optional(CopyTmfLog);

        // Patches 6 and 7 add functions, which the parse lists (the series
        // too finds functions by the parse); the others change code, which
        // only their probes can tell from a comment or a lookalike.
        var glue = Glue(treeDir,
            patch4: probes.Has(4, treeDir),
            getDescArgs: Parameters(Text(scsiBytes, getDesc)), getDescLogs: probes.Has(5, treeDir),
            copyCmd is not null, logWrite is not null, copyTmf is not null,
            evtLogged: probes.Has(8, treeDir));

        // The members patches 6 and 7 add are facts only of a tree that has them.
        CheckCopiedFacts(harnessDirectory ?? NativeBuild.FindHarnessDirectory(), scsiC, scsi, ScsiStructs.Where(s => s switch
        {
            "vhost_scsi_cmd" => glue >= 6,
            "vhost_scsi_tmf" => glue >= 7,
            _ => true,
        }));

        var scsiFns = new[] { getDesc, copyCmd, copyTmf, logWrite }.OfType<FunctionExtent>().OrderBy(e => e.StartOffset).ToList();
        var text = new StringBuilder();
        text.Append($"/* The native request path of {treeDir}: series level {glue} ({StateOf(glue)}). */\n");
        text.Append($"#define VL_SIM_GLUE {glue}\n\n");
        // vhost.c declares translate_desc() before its first caller; the
        // prototypes of all the static functions, from their own text, let the
        // bodies follow in file order whatever calls what.
        foreach (var (e, bytes) in vhostFns.Select(e => (e, vhostBytes)).Concat(scsiFns.Select(e => (e, scsiBytes))).Where(x => x.e.IsStatic))
            text.Append(Prototype(Text(bytes, e))).Append(";\n");
        text.Append('\n');
        foreach (var m in VhostMacros)
            text.Append($"/* {m}: drivers/vhost/vhost.c */\n").Append(Macro(vhostC, vhostBytes, m)).Append("\n\n");
        foreach (var (file, bytes, fns) in new[] { ("vhost.c", vhostBytes, vhostFns), ("scsi.c", scsiBytes, scsiFns) })
            foreach (var e in fns)
                text.Append($"/* {e.Name}: drivers/vhost/{file} lines {e.StartLine}-{e.EndLine} */\n").Append(Text(bytes, e)).Append("\n\n");
        return new RequestPathSource(treeDir, text.ToString(), glue, StateOf(glue));
    }

    static string Source(string treeDir, string file)
    {
        var path = Path.Combine(treeDir, "drivers", "vhost", file);
        if (!File.Exists(path))
            throw new UsageException($"{treeDir}: drivers/vhost/{file} not found; is this a kernel source tree?");
        return path;
    }

    /// <summary>
    /// The series level, from what the tree contains: patch 4 changes
    /// vhost_log_write() (U64_MAX), 5 gives vhost_scsi_get_desc() its log
    /// arguments, 6 adds vhost_scsi_copy_cmd_log() and vhost_scsi_log_write(),
    /// 7 vhost_scsi_copy_tmf_log(), 8 makes vhost_scsi_do_evt_work() log.
    /// The parameter count of vhost_scsi_get_desc() is the shape sim.c calls
    /// it with; whether it logs is the probe's to say.
    /// Each patch's glue builds on the one before; a tree with a later patch
    /// and not an earlier one cannot be glued the way the series does.
    /// </summary>
    static int Glue(string treeDir, bool patch4, int getDescArgs, bool getDescLogs, bool copyCmd, bool logWrite, bool copyTmf, bool evtLogged)
    {
        if (getDescArgs is not (3 or 5))
            throw new UsageException($"{treeDir}: {GetDesc}() takes {getDescArgs} arguments; the native request path knows 3 (as shipped) and 5 (patch 5)");
        // The probe matches only the 5-parameter form, so the one shape left
        // to refuse is patch 5's parameters without its logging.
        if (getDescArgs == 5 && !getDescLogs)
            throw new UsageException($"{treeDir}: {GetDesc}() takes 5 arguments but does not pass its log and log_num to vhost_get_vq_desc() " +
                                     "(templates/probes/05-get-desc-log-args.cocci); the native request path knows it as shipped and as patch 5 has it");
        var present = new SortedDictionary<int, bool>
        {
            [5] = getDescLogs,
            [6] = copyCmd && logWrite,
            [7] = copyTmf,
            [8] = evtLogged,
        };
        if (copyCmd != logWrite)
            throw new UsageException($"{treeDir}: drivers/vhost/scsi.c has {(copyCmd ? CopyCmdLog : ScsiLogWrite)}() " +
                                     $"but not {(copyCmd ? ScsiLogWrite : CopyCmdLog)}(); patch 6 adds both");
        var level = patch4 ? 4 : 0;
        foreach (var (patch, has) in present)
        {
            if (has && level != patch - 1 && !(patch == 5 && level == 0))
                throw new UsageException($"{treeDir}: drivers/vhost/scsi.c has patch {patch} of the series but not patch {patch - 1}; " +
                                         "the native request path glues the series in order");
            if (has)
                level = patch;
        }
        return level;
    }

    /// <summary>The number of parameters in a function definition's text.</summary>
    static int Parameters(string definition)
    {
        var proto = Prototype(definition);
        var open = proto.IndexOf('(');
        var inner = proto[(open + 1)..proto.LastIndexOf(')')].Trim();
        return inner is "" or "void" ? 0 : inner.Split(',').Length;
    }

    static string Prototype(string definition) => DescriptorCollection.Prototype(definition);

    static string Macro(string file, byte[] bytes, string name) => DescriptorCollection.Macro(file, bytes, name);

    /// <summary>
    /// The shim's structs hold copied facts: every member they declare must
    /// be in the tree's definition, with the same type, or the functions
    /// would be compiled against structs the tree does not have.
    /// </summary>
    static void CheckCopiedFacts(string harnessDirectory, string scsiC, CParseResult tree, IEnumerable<string> structs) =>
        FunctionSources.CheckCopiedFacts(Path.Combine(harnessDirectory, "shim", "scsi_request_env.h"), scsiC, tree.StructFields, structs);
}
