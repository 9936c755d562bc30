using System.Text;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Protocol;
using VhostLog.Equivalence.Variants;

namespace VhostLog.Equivalence.Reproducers;

/// <summary>
/// A minimised case as a standalone C program: the variant's functions, the
/// case's inputs as C initialisers, one call, and the model's expectation.
/// It compiles against harness/shim with the Makefile written beside it
/// (ASan and UBSan on) and exits 0 when the C behaves like the model, 1 when
/// it does not: a reproducer a kernel developer can step through in gdb.
/// </summary>
public static class CReproducer
{
    /// <summary>Writes repro.c, functions.c, include/linux/vhost_iotlb.h and Makefile into <paramref name="dir"/>.</summary>
    public static string Write(string dir, VariantSource variant, LogCase c, Observation model, string modelState, string shimDir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "include", "linux"));
        File.WriteAllText(Path.Combine(dir, "functions.c"), variant.FunctionsC);
        File.Copy(Path.Combine(variant.HeaderTree, "include", "linux", "vhost_iotlb.h"),
            Path.Combine(dir, "include", "linux", "vhost_iotlb.h"), overwrite: true);
        File.WriteAllText(Path.Combine(dir, "Makefile"), Makefile(Path.GetFullPath(shimDir), Path.GetFullPath(variant.HeaderTree)));
        var path = Path.Combine(dir, "repro.c");
        File.WriteAllText(path, Program(variant, c, model, modelState));
        return path;
    }

    static string Hex(ulong v) => Wire.CU64(v);

    static string Makefile(string shim, string tree) =>
        "# Builds the reproducer against the harness shim and the tree's vhost.h.\n" +
        $"SHIM ?= {shim}\nTREE ?= {tree}\nCC ?= gcc\n\n" +
        "CFLAGS_VL := -std=gnu11 -Wall -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \\\n" +
        "\t-fno-strict-overflow -fno-strict-aliasing -fno-delete-null-pointer-checks \\\n" +
        "\t-I$(SHIM) -Iinclude -I$(TREE)/drivers/vhost\n\n" +
        "repro: repro.c functions.c\n" +
        "\t$(CC) $(CFLAGS_VL) -DVL_FUNCTIONS='\"functions.c\"' -o $@ repro.c $(SHIM)/shim.c $(SHIM)/request_path.c\n";

    static string Program(VariantSource variant, LogCase c, Observation model, string modelState)
    {
        var s = new StringBuilder();
        s.Append("/*\n * Reproducer written by vhostlog from a minimised case.\n");
        s.Append($" * Variant: {variant.Name}; model state: {modelState}.\n");
        foreach (var line in Wrap(CaseJson.Describe(c)))
            s.Append($" * {line}\n");
        s.Append(" *\n * make && ./repro   (exit 0: behaves like the model, 1: does not)\n */\n");
        s.Append("#include <setjmp.h>\n#include <stdio.h>\n\n#include \"scsi_request_env.h\"\n#include \"vl_shim.h\"\n\n#include VL_FUNCTIONS\n\n");
        // The response functions return a buffer to the guest: what the worker's stub records, here too.
        s.Append("static unsigned long used_count;\nstatic int used_head, used_len;\n\n");
        s.Append("void vhost_add_used_and_signal(struct vhost_dev *dev, struct vhost_virtqueue *vq,\n");
        s.Append("\t\t\t       unsigned int head, int len)\n{\n\t(void)dev;\n\t(void)vq;\n");
        s.Append("\tif (!used_count++) {\n\t\tused_head = (int)head;\n\t\tused_len = len;\n\t}\n\tvl_signal_count++;\n}\n\n");
        s.Append("static const struct { u64 addr; unsigned char value; } expected_bytes[] = {\n");
        foreach (var (addr, value) in model.Bytes)
            s.Append($"\t{{ {Hex(addr)}, 0x{value:x2} }},\n");
        s.Append("\t{ 0, 0 }\n};\n\n");
        s.Append("int main(void)\n{\n");
        s.Append($"\tstatic struct vhost_log log[{Math.Max(1, Math.Max(c.Log.Length, c.Function is Function.vhost_scsi_copy_cmd_log or Function.vhost_scsi_copy_tmf_log ? c.IovLimit : 0))}] = {{\n");
        foreach (var e in c.Log)
            s.Append($"\t\t{{ .addr = {Hex(e.Addr)}, .len = {Hex(e.Len)} }},\n");
        s.Append("\t};\n");
        s.Append($"\tstatic struct iovec iov[{Math.Max(1, c.Iov.Length)}] = {{\n");
        foreach (var v in c.Iov)
            s.Append($"\t\t{{ .iov_base = (void *)(uintptr_t){Hex(v.Base)}, .iov_len = {Hex(v.Len)} }},\n");
        s.Append("\t};\n");
        s.Append($"\tstatic struct vhost_iotlb_map maps[{Math.Max(1, c.Umem.Length)}] = {{\n");
        foreach (var m in c.Umem)
            s.Append($"\t\t{{ .start = {Hex(m.Start)}, .size = {Hex(m.Size)}, .last = {Hex(m.Start + m.Size - 1)}, .addr = {Hex(m.Addr)}, .perm = VHOST_MAP_RW }},\n");
        s.Append("\t};\n");
        s.Append("\tstatic struct vhost_virtqueue vq;\n\tstatic struct vhost_dev dev;\n\tstatic struct vhost_iotlb umem, device_iotlb;\n");
        s.Append("\tstatic struct vhost_scsi_cmd cmd;\n\tstatic struct vhost_scsi_tmf tmf;\n");
        // vhost_scsi_destroy_vq_log() finds the commands through container_of(vq).
        s.Append($"\tstatic struct vhost_scsi_virtqueue svq;\n\tstatic struct vhost_scsi_cmd cmds[{Math.Max(1, c.CommandsOrEmpty.Length)}];\n");
        s.Append("\tstruct vhost_virtqueue *vqp = &svq.vq;\n");
        if (c.Function == Function.vhost_scsi_destroy_logs)
            s.Append($"\tstatic struct vhost_scsi_virtqueue svqs[{Math.Max(1, c.Out)}];\n");
        s.Append("\tstatic struct vhost_scsi vs;\n");
        s.Append($"\tstatic struct vhost_scsi_ctx vc = {{ .head = {c.Head}, .out = {c.Out}, .in = {c.In} }};\n");
        if (c.Function == Function.vhost_scsi_get_desc)
            s.Append($"\tstatic struct iovec indirect[UIO_MAXIOV];\n\tstatic struct vhost_log vq_log[UIO_MAXIOV];\n\tunsigned int log_num = {Wire.CU32(Wire.NotWritten)};\n");
        s.Append("\tconst struct vl_user_range *ranges;\n\tsize_t nranges, i, k;\n");
        s.Append("\tjmp_buf bug;\n\tint ret = 0, differs = 0;\n\tu64 off;\n\n");
        s.Append("\tvl_user_reset();\n");
        foreach (var r in c.Mapped)
            s.Append($"\tvl_user_add({Hex(r.Start)}, {Hex(r.Length)});\n");
        s.Append("\tvl_user_commit();\n");
        s.Append($"\tvl_user_fill(0x{c.Fill:x2});\n");
        if (c.Function is Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target)
            s.Append($"\tfor (i = 0; i < {c.Iov.Length}; i++)\n\t\tvq.iov[i] = iov[i];\n\t(void)vs;\n\t(void)vc;\n");
        if (c.Ring is { } ring)
            AppendRing(s, ring);
        s.Append("\tINIT_LIST_HEAD(&umem.list);\n\tINIT_LIST_HEAD(&device_iotlb.list);\n");
        s.Append($"\tfor (i = 0; i < {c.Umem.Length}; i++)\n\t\tlist_add_tail(&maps[i].link, &umem.list);\n");
        s.Append($"\tvq.log_base = (void __user *)(uintptr_t){Hex(c.LogBase)};\n");
        s.Append($"\tvq.log_ctx = {(c.LogCtx ? "vl_log_eventfd()" : "NULL")};\n");
        s.Append("\tvq.umem = &umem;\n");
        if (c.Function == Function.vhost_scsi_destroy_vq_log)
            s.Append("\t/* The function is handed svq.vq; vq is set up here, then copied in. */\n");
        s.Append($"\tvq.iotlb = {(c.Iotlb ? "&device_iotlb" : "NULL")};\n");
        s.Append($"\tvq.acked_features = {Hex(c.Features)};\n");
        s.Append($"\tdev.iov_limit = {c.IovLimit};\n\tdev.umem = &umem;\n\tvq.dev = &dev;\n");
        if (c.PriorLog > 0)
        {
            s.Append($"\tcmd.tvc_log = calloc({c.IovLimit}, sizeof(*cmd.tvc_log));\n");
            for (var i = 0; i < c.PriorLog; i++)
                s.Append($"\tcmd.tvc_log[{i}] = (struct vhost_log){{ {Hex(LogCase.PriorEntry(i).Addr)}, {Hex(LogCase.PriorEntry(i).Len)} }};\n");
            s.Append($"\tcmd.tvc_log_num = {c.PriorLog};\n");
        }
        var commands = c.CommandsOrEmpty;
        for (var k = 0; k < commands.Length; k++)
        {
            if (commands[k] == 0)
                continue;
            s.Append($"\tcmds[{k}].tvc_log = calloc({c.IovLimit}, sizeof(*cmds[{k}].tvc_log));\n");
            s.Append($"\tfor (i = 0; i < {commands[k]}; i++)\n\t\tcmds[{k}].tvc_log[i] = (struct vhost_log){{ {Hex(LogCase.PriorEntry(0).Addr)} + (i << 12), i + 1 }};\n");
            s.Append($"\tcmds[{k}].tvc_log_num = {commands[k]};\n");
        }
        if (c.Function == Function.vhost_scsi_destroy_vq_log)
            s.Append($"\tsvq.vq = vq;\n\tsvq.scsi_cmds = {(c.NullCommands ? "NULL" : "cmds")};\n\tsvq.max_cmds = {commands.Length};\n");
        if (c.Function == Function.vhost_scsi_destroy_logs)
        {
            // The control and event queues, then the I/O queues, each with its In commands of cmds[].
            s.Append($"\tvs.vqs = svqs;\n\tvs.dev.nvqs = {c.Out};\n");
            for (var q = 2; q < c.Out; q++)
                s.Append($"\tsvqs[{q}].vq.dev = &dev;\n\tsvqs[{q}].max_cmds = {c.In};\n" +
                         $"\tsvqs[{q}].scsi_cmds = {(((c.Kind >> (q - 2)) & 1) != 0 ? "NULL" : $"cmds + {(q - 2) * c.In}")};\n");
        }
        s.Append("\t(void)vqp;\n");
        s.Append($"\tvl_allocs_left = {c.AllocationsBeforeFailure};\n\n");
        s.Append("\tvl_bug_target = &bug;\n\tif (setjmp(bug)) {\n\t\tprintf(\"reached BUG()\\n\");\n");
        s.Append($"\t\treturn {(model.Outcome == Outcome.Bug ? 0 : 1)};\n\t}}\n");
        s.Append('\t').Append(Call(c, variant.OtherFormsOrEmpty.Contains(c.Function))).Append('\n');
        s.Append("\tvl_bug_target = NULL;\n\n");
        s.Append("\tprintf(\"returned %d, %lu signal(s), %lu warning(s)\\n\", ret, vl_signal_count, vl_warn_count);\n");
        if (model.Outcome == Outcome.Bug)
            s.Append("\tprintf(\"the model reaches BUG() here\\n\");\n\tdiffers = 1;\n");
        else
        {
            s.Append($"\tif (ret != {model.Return} || vl_signal_count != {model.Signals} || vl_warn_count != {model.Warnings}) {{\n");
            s.Append($"\t\tprintf(\"the model returns {model.Return} with {model.Signals} signal(s) and {model.Warnings} warning(s)\\n\");\n\t\tdiffers = 1;\n\t}}\n");
        }
        AppendStateChecks(s, c, FunctionState.Read(c, model));
        s.Append("\t/* Every non-zero byte of user memory against the model's. */\n");
        s.Append("\tranges = vl_user_ranges(&nranges);\n\tk = 0;\n");
        s.Append("\tfor (i = 0; i < nranges; i++)\n\t\tfor (off = 0; off < ranges[i].len; off++) {\n");
        s.Append("\t\t\tunsigned char b = ranges[i].bytes[off];\n\n\t\t\tif (!b)\n\t\t\t\tcontinue;\n");
        s.Append("\t\t\tprintf(\"bitmap byte 0x%llx = 0x%02x\\n\", (unsigned long long)(ranges[i].start + off), b);\n");
        s.Append("\t\t\tif (expected_bytes[k].addr != ranges[i].start + off || expected_bytes[k].value != b)\n\t\t\t\tdiffers = 1;\n");
        s.Append("\t\t\tif (expected_bytes[k].addr || expected_bytes[k].value)\n\t\t\t\tk++;\n\t\t}\n");
        s.Append($"\tif (k != {model.ByteCount})\n\t\tdiffers = 1;\n");
        s.Append($"\tprintf(\"%s\\n\", differs ? \"DIFFERS from the model ({modelState})\" : \"behaves like the model ({modelState})\");\n");
        s.Append("\treturn differs;\n}\n");
        return s.ToString();
    }

    /// <summary>Checks of what the function left behind against the model's state.</summary>
    static void AppendStateChecks(StringBuilder s, LogCase c, FunctionState? state)
    {
        switch (state)
        {
            case CopyCmdLogState cmd:
                s.Append("\tprintf(\"command: %lu allocation(s), tvc_log_num %u, tvc_log %s\\n\", vl_alloc_count, cmd.tvc_log_num, cmd.tvc_log ? \"set\" : \"NULL\");\n");
                s.Append($"\tif (vl_alloc_count != {cmd.Allocations} || cmd.tvc_log_num != {cmd.LogNum} || !!cmd.tvc_log != {Bit(cmd.LogSet)}) {{\n");
                s.Append($"\t\tprintf(\"the model: {cmd.Allocations} allocation(s), tvc_log_num {cmd.LogNum}, tvc_log {SetOrNull(cmd.LogSet)}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
                for (var i = 0; i < cmd.Buffer.Length; i++)
                    s.Append($"\tif (cmd.tvc_log && (cmd.tvc_log[{i}].addr != {Hex(cmd.Buffer[i].Addr)} || cmd.tvc_log[{i}].len != {Hex(cmd.Buffer[i].Len)})) {{\n" +
                             $"\t\tprintf(\"tvc_log[{i}] differs from the model's {{ {Hex(cmd.Buffer[i].Addr)}, {Hex(cmd.Buffer[i].Len)} }}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
                break;
            case CopyTmfLogState tmf:
                s.Append("\tprintf(\"request: %lu allocation(s), %llu byte(s), tmf_log_num %u, tmf_log %s\\n\", vl_alloc_count, vl_alloc_bytes, tmf.tmf_log_num, tmf.tmf_log ? \"set\" : \"NULL\");\n");
                s.Append($"\tif (vl_alloc_count != {tmf.Allocations} || (long)(vl_alloc_count - vl_free_count) != {tmf.LiveBuffers}L || vl_alloc_bytes != {tmf.AllocatedBytes} || tmf.tmf_log_num != {tmf.LogNum} || !!tmf.tmf_log != {Bit(tmf.LogSet)}) {{\n");
                s.Append($"\t\tprintf(\"the model: {tmf.Allocations} allocation(s), {tmf.LiveBuffers} live, {tmf.AllocatedBytes} byte(s), tmf_log_num {tmf.LogNum}, tmf_log {SetOrNull(tmf.LogSet)}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
                for (var i = 0; i < tmf.Log.Length; i++)
                    s.Append($"\tif (tmf.tmf_log && (tmf.tmf_log[{i}].addr != {Hex(tmf.Log[i].Addr)} || tmf.tmf_log[{i}].len != {Hex(tmf.Log[i].Len)})) {{\n" +
                             $"\t\tprintf(\"tmf_log[{i}] differs from the model's {{ {Hex(tmf.Log[i].Addr)}, {Hex(tmf.Log[i].Len)} }}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
                break;
            case DestroyLogsState device:
                AppendLiveBuffers(s, device.LiveBuffers);
                for (var q = 0; q < device.MutexDepths.Length; q++)
                    s.Append($"\tif (svqs[{q + 2}].vq.mutex.vl_depth != {device.MutexDepths[q]}) {{\n\t\tprintf(\"I/O queue {q + 2}: mutex depth %d; the model: {device.MutexDepths[q]}\\n\", svqs[{q + 2}].vq.mutex.vl_depth);\n\t\tdiffers = 1;\n\t}}\n");
                AppendCommands(s, device.Commands);
                break;
            case DestroyVqLogState queue:
                AppendLiveBuffers(s, queue.LiveBuffers);
                AppendCommands(s, queue.Commands);
                break;
            case GetDescState d:
                s.Append("\tprintf(\"vc: head %d, out %u, in %u, out_size %zu, in_size %zu; last_avail_idx %u, avail_idx %u, used_flags %u, log_num 0x%x\\n\",\n" +
                         "\t       vc.head, vc.out, vc.in, vc.out_size, vc.in_size, vq.last_avail_idx, vq.avail_idx, vq.used_flags, log_num);\n");
                s.Append($"\tif (vc.head != {d.Head} || vc.out != {d.Out}u || vc.in != {d.In}u || vc.out_size != {d.OutSize}ULL || vc.in_size != {d.InSize}ULL ||\n" +
                         $"\t    vq.last_avail_idx != {d.LastAvailIdx} || vq.avail_idx != {d.AvailIdx} || vq.used_flags != {d.UsedFlags} || log_num != 0x{d.LogNum:x}u) {{\n");
                s.Append($"\t\tprintf(\"the model: head {d.Head}, out {d.Out}, in {d.In}, out_size {d.OutSize}, in_size {d.InSize}; " +
                         $"last_avail_idx {d.LastAvailIdx}, avail_idx {d.AvailIdx}, used_flags {d.UsedFlags}, log_num 0x{d.LogNum:x}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
                // vq->iov as a whole, hashed as the worker hashes it (FNV-1a, base then length).
                s.Append($"\t{{\n\t\tu64 h = {Wire.CU64(Wire.Fnv1a.OffsetBasis)};\n\n\t\tfor (i = 0; i < UIO_MAXIOV; i++) {{\n" +
                         $"\t\t\th = (h ^ (u64)(uintptr_t)vq.iov[i].iov_base) * {Wire.CU64(Wire.Fnv1a.Prime)};\n" +
                         $"\t\t\th = (h ^ vq.iov[i].iov_len) * {Wire.CU64(Wire.Fnv1a.Prime)};\n\t\t}}\n");
                s.Append($"\t\tif (h != 0x{d.IovHash:x}ULL) {{\n\t\t\tprintf(\"vq->iov differs from the model's (which holds {d.ReadableBytes} readable and {d.WritableBytes} writable bytes)\\n\");\n" +
                         "\t\t\tdiffers = 1;\n\t\t}\n\t}\n");
                break;
            case ResponseState r:
                var first = r.Used.IsEmpty ? (UsedEntry?)null : r.Used[0];
                s.Append("\tprintf(\"%lu used entr%s, %lu pr_err(s)\\n\", used_count, used_count == 1 ? \"y\" : \"ies\", vl_pr_err_count);\n");
                s.Append($"\tif (used_count != {r.UsedCount} || vl_pr_err_count != {r.PrErrs}" +
                         (first is { } u ? $" || used_head != {(int)u.Head} || used_len != {(int)u.Len}" : "") + ") {\n");
                s.Append($"\t\tprintf(\"the model: {r.UsedCount} used entr{(r.UsedCount == 1 ? "y" : "ies")}" +
                         (first is { } v ? $" (head {v.Head}, len {v.Len})" : "") + $", {r.PrErrs} pr_err(s)\\n\");\n\t\tdiffers = 1;\n\t}}\n");
                break;
        }
    }

    static string Bit(bool b) => b ? "1" : "0";

    static string SetOrNull(bool set) => set ? "set" : "NULL";

    static void AppendLiveBuffers(StringBuilder s, long live)
    {
        s.Append("\tprintf(\"%ld buffer(s) live after the call\\n\", (long)(vl_alloc_count - vl_free_count));\n");
        s.Append($"\tif ((long)(vl_alloc_count - vl_free_count) != {live}L) {{\n\t\tprintf(\"the model: {live}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
    }

    static void AppendCommands(StringBuilder s, IReadOnlyList<CommandLog> commands)
    {
        for (var k = 0; k < commands.Count; k++)
            s.Append($"\tif (!!cmds[{k}].tvc_log != {Bit(commands[k].LogSet)} || cmds[{k}].tvc_log_num != {commands[k].LogNum}) {{\n" +
                     $"\t\tprintf(\"command {k}: tvc_log %s, tvc_log_num %u; the model: {SetOrNull(commands[k].LogSet)}, {commands[k].LogNum}\\n\", cmds[{k}].tvc_log ? \"set\" : \"NULL\", cmds[{k}].tvc_log_num);\n\t\tdiffers = 1;\n\t}}\n");
    }

    /// <summary>The virtqueue's rings: their bytes into user memory, then the fields the handler leaves.</summary>
    static void AppendRing(StringBuilder s, RingState ring)
    {
        for (var i = 0; i < ring.Writes.Length; i++)
        {
            var w = ring.Writes[i];
            s.Append($"\t{{\n\t\tstatic const unsigned char bytes[{w.Bytes.Length}] = {{");
            for (var k = 0; k < w.Bytes.Length; k++)
                s.Append(k % 12 == 0 ? "\n\t\t\t" : " ").Append($"0x{w.Bytes[k]:x2},");
            s.Append($"\n\t\t}};\n\n\t\tvl_user_write({Hex(w.Addr)}, bytes, sizeof(bytes));\n\t}}\n");
        }
        s.Append($"\tvq.num = {ring.Num};\n");
        s.Append($"\tvq.desc = (vring_desc_t __user *)(uintptr_t){Hex(ring.Desc)};\n");
        s.Append($"\tvq.avail = (vring_avail_t __user *)(uintptr_t){Hex(ring.Avail)};\n");
        s.Append($"\tvq.last_avail_idx = {ring.LastAvailIdx};\n\tvq.avail_idx = {ring.AvailIdx};\n\tvq.used_flags = {ring.UsedFlags};\n");
        s.Append("\tvq.is_le = true;\n\tvq.indirect = indirect;\n\tvq.log = vq_log;\n");
        s.Append($"\tvl_notify_avail_idx = {ring.NotifyAvailIdx};\n");
    }

    static string Call(LogCase c, bool oldForm) => c.Function switch
    {
        Function.vhost_scsi_get_desc when oldForm => "ret = vhost_scsi_get_desc(&vs, &vq, &vc);",
        Function.vhost_scsi_get_desc => $"ret = vhost_scsi_get_desc(&vs, &vq, &vc, {(c.NullLog ? "NULL" : "vq.log")}, &log_num);",
        Function.vhost_scsi_send_status when oldForm => $"vhost_scsi_send_status(&vs, &vq, {c.Head}, {c.Out}, {c.Kind});",
        Function.vhost_scsi_send_bad_target when oldForm => $"vhost_scsi_send_bad_target(&vs, &vq, {c.Head}, {c.Out});",
        Function.log_write => $"ret = log_write(vq.log_base, {Hex(c.Address)}, {Hex(c.Length)});",
        Function.log_write_hva => $"ret = log_write_hva(&vq, {Hex(c.Address)}, {Hex(c.Length)});",
        Function.vhost_log_write => $"ret = vhost_log_write(&vq, log, {c.Log.Length}, {Hex(c.Length)}, iov, {c.Iov.Length});",
        Function.vhost_scsi_log_write => $"vhost_scsi_log_write(&vq, {(c.NullLog ? "NULL" : "log")}, {c.Log.Length});",
        Function.vhost_scsi_copy_cmd_log => $"ret = vhost_scsi_copy_cmd_log(&vq, &cmd, log, {c.Log.Length});",
        Function.vhost_scsi_copy_tmf_log => $"ret = vhost_scsi_copy_tmf_log(&tmf, log, {c.Log.Length});",
        Function.vhost_scsi_destroy_vq_log => "vhost_scsi_destroy_vq_log(vqp);",
        Function.vhost_scsi_destroy_logs => "vhost_scsi_destroy_logs(&vs);",
        Function.vhost_scsi_send_status => $"vhost_scsi_send_status(&vs, &vq, &vc, {c.Kind});",
        Function.vhost_scsi_send_bad_target => $"vhost_scsi_send_bad_target(&vs, &vq, &vc, {c.Kind});",
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    static IEnumerable<string> Wrap(string text)
    {
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length + word.Length + 1 > 74 && line.Length > 0)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0)
                line.Append(' ');
            line.Append(word);
        }
        if (line.Length > 0)
            yield return line.ToString();
    }
}
