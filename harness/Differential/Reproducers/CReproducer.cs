using System.Globalization;
using System.Text;
using VhostLog.Harness.Cases;
using VhostLog.Harness.Engines;
using VhostLog.Harness.Variants;

namespace VhostLog.Harness.Reproducers;

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

    static string Hex(ulong v) => "0x" + v.ToString("x", CultureInfo.InvariantCulture) + "ULL";

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
            s.Append("\tstatic struct iovec indirect[UIO_MAXIOV];\n\tstatic struct vhost_log vq_log[UIO_MAXIOV];\n\tunsigned int log_num = 0xdeadbeef;\n");
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
            s.Append($"\tfor (i = 0; i < {commands[k]}; i++)\n\t\tcmds[{k}].tvc_log[i] = (struct vhost_log){{ 0xdead00000000ULL + (i << 12), i + 1 }};\n");
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
        if (c.Function == Function.vhost_scsi_copy_cmd_log && model.StateOrEmpty.Length >= 4)
        {
            var st = model.StateOrEmpty;
            s.Append("\tprintf(\"command: %lu allocation(s), tvc_log_num %u, tvc_log %s\\n\", vl_alloc_count, cmd.tvc_log_num, cmd.tvc_log ? \"set\" : \"NULL\");\n");
            s.Append($"\tif (vl_alloc_count != {st[0]} || cmd.tvc_log_num != {st[2]} || !!cmd.tvc_log != {st[3]}) {{\n");
            s.Append($"\t\tprintf(\"the model: {st[0]} allocation(s), tvc_log_num {st[2]}, tvc_log {(st[3] != 0 ? "set" : "NULL")}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
            for (var i = 0; i + 4 < st.Length; i += 2)
                s.Append($"\tif (cmd.tvc_log && (cmd.tvc_log[{i / 2}].addr != {Hex(st[4 + i])} || cmd.tvc_log[{i / 2}].len != {Hex(st[5 + i])})) {{\n" +
                         $"\t\tprintf(\"tvc_log[{i / 2}] differs from the model's {{ {Hex(st[4 + i])}, {Hex(st[5 + i])} }}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
        }
        if (c.Function == Function.vhost_scsi_copy_tmf_log && model.StateOrEmpty.Length >= 5)
        {
            var st = model.StateOrEmpty;
            s.Append("\tprintf(\"request: %lu allocation(s), %llu byte(s), tmf_log_num %u, tmf_log %s\\n\", vl_alloc_count, vl_alloc_bytes, tmf.tmf_log_num, tmf.tmf_log ? \"set\" : \"NULL\");\n");
            s.Append($"\tif (vl_alloc_count != {st[0]} || (long)(vl_alloc_count - vl_free_count) != {(long)st[1]}L || vl_alloc_bytes != {st[2]} || tmf.tmf_log_num != {st[3]} || !!tmf.tmf_log != {st[4]}) {{\n");
            s.Append($"\t\tprintf(\"the model: {st[0]} allocation(s), {(long)st[1]} live, {st[2]} byte(s), tmf_log_num {st[3]}, tmf_log {(st[4] != 0 ? "set" : "NULL")}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
            for (var i = 0; i + 5 < st.Length; i += 2)
                s.Append($"\tif (tmf.tmf_log && (tmf.tmf_log[{i / 2}].addr != {Hex(st[5 + i])} || tmf.tmf_log[{i / 2}].len != {Hex(st[6 + i])})) {{\n" +
                         $"\t\tprintf(\"tmf_log[{i / 2}] differs from the model's {{ {Hex(st[5 + i])}, {Hex(st[6 + i])} }}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
        }
        if (c.Function == Function.vhost_scsi_destroy_logs && model.StateOrEmpty.Length >= 1)
        {
            var st = model.StateOrEmpty;
            var queues = Math.Max(0, c.Out - 2);
            s.Append("\tprintf(\"%ld buffer(s) live after the call\\n\", (long)(vl_alloc_count - vl_free_count));\n");
            s.Append($"\tif ((long)(vl_alloc_count - vl_free_count) != {(long)st[0]}L) {{\n\t\tprintf(\"the model: {(long)st[0]}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
            for (var q = 0; q < queues && 1 + q < st.Length; q++)
                s.Append($"\tif (svqs[{q + 2}].vq.mutex.vl_depth != {(long)st[1 + q]}) {{\n\t\tprintf(\"I/O queue {q + 2}: mutex depth %d; the model: {(long)st[1 + q]}\\n\", svqs[{q + 2}].vq.mutex.vl_depth);\n\t\tdiffers = 1;\n\t}}\n");
            for (var i = 1 + queues; i + 1 < st.Length; i += 2)
            {
                var k = (i - 1 - queues) / 2;
                s.Append($"\tif (!!cmds[{k}].tvc_log != {st[i]} || cmds[{k}].tvc_log_num != {st[i + 1]}) {{\n" +
                         $"\t\tprintf(\"command {k}: tvc_log %s, tvc_log_num %u; the model: {(st[i] != 0 ? "set" : "NULL")}, {st[i + 1]}\\n\", cmds[{k}].tvc_log ? \"set\" : \"NULL\", cmds[{k}].tvc_log_num);\n\t\tdiffers = 1;\n\t}}\n");
            }
        }
        if (c.Function == Function.vhost_scsi_destroy_vq_log && model.StateOrEmpty.Length >= 1)
        {
            var st = model.StateOrEmpty;
            s.Append("\tprintf(\"%ld buffer(s) live after the call\\n\", (long)(vl_alloc_count - vl_free_count));\n");
            s.Append($"\tif ((long)(vl_alloc_count - vl_free_count) != {(long)st[0]}L) {{\n\t\tprintf(\"the model: {(long)st[0]}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
            for (var i = 1; i + 1 < st.Length; i += 2)
                s.Append($"\tif (!!cmds[{i / 2}].tvc_log != {st[i]} || cmds[{i / 2}].tvc_log_num != {st[i + 1]}) {{\n" +
                         $"\t\tprintf(\"command {i / 2}: tvc_log %s, tvc_log_num %u; the model: {(st[i] != 0 ? "set" : "NULL")}, {st[i + 1]}\\n\", cmds[{i / 2}].tvc_log ? \"set\" : \"NULL\", cmds[{i / 2}].tvc_log_num);\n\t\tdiffers = 1;\n\t}}\n");
        }
        if (c.Function == Function.vhost_scsi_get_desc && model.StateOrEmpty.Length >= ManagedEngine.DescFixedFields)
        {
            var st = model.StateOrEmpty;
            s.Append("\tprintf(\"vc: head %d, out %u, in %u, out_size %zu, in_size %zu; last_avail_idx %u, avail_idx %u, used_flags %u, log_num 0x%x\\n\",\n" +
                     "\t       vc.head, vc.out, vc.in, vc.out_size, vc.in_size, vq.last_avail_idx, vq.avail_idx, vq.used_flags, log_num);\n");
            s.Append($"\tif (vc.head != {(int)(uint)st[0]} || vc.out != {st[1]}u || vc.in != {st[2]}u || vc.out_size != {st[3]}ULL || vc.in_size != {st[4]}ULL ||\n" +
                     $"\t    vq.last_avail_idx != {st[10]} || vq.avail_idx != {st[11]} || vq.used_flags != {st[12]} || log_num != 0x{st[13]:x}u) {{\n");
            s.Append($"\t\tprintf(\"the model: head {(int)(uint)st[0]}, out {st[1]}, in {st[2]}, out_size {st[3]}, in_size {st[4]}; " +
                     $"last_avail_idx {st[10]}, avail_idx {st[11]}, used_flags {st[12]}, log_num 0x{st[13]:x}\\n\");\n\t\tdiffers = 1;\n\t}}\n");
            // vq->iov as a whole, hashed as the worker hashes it (FNV-1a, base then length).
            s.Append("\t{\n\t\tu64 h = 0xcbf29ce484222325ULL;\n\n\t\tfor (i = 0; i < UIO_MAXIOV; i++) {\n" +
                     "\t\t\th = (h ^ (u64)(uintptr_t)vq.iov[i].iov_base) * 0x100000001b3ULL;\n" +
                     "\t\t\th = (h ^ vq.iov[i].iov_len) * 0x100000001b3ULL;\n\t\t}\n");
            s.Append($"\t\tif (h != 0x{st[14]:x}ULL) {{\n\t\t\tprintf(\"vq->iov differs from the model's (which holds {st[17]} readable and {st[18]} writable bytes)\\n\");\n" +
                     "\t\t\tdiffers = 1;\n\t\t}\n\t}\n");
        }
        if (c.Function is Function.vhost_scsi_send_status or Function.vhost_scsi_send_bad_target && model.StateOrEmpty.Length >= 2)
        {
            var st = model.StateOrEmpty;
            s.Append("\tprintf(\"%lu used entr%s, %lu pr_err(s)\\n\", used_count, used_count == 1 ? \"y\" : \"ies\", vl_pr_err_count);\n");
            s.Append($"\tif (used_count != {st[0]} || vl_pr_err_count != {st[1]}" +
                     (st.Length >= 4 ? $" || used_head != {(int)(uint)st[2]} || used_len != {(int)(uint)st[3]}" : "") + ") {\n");
            s.Append($"\t\tprintf(\"the model: {st[0]} used entr{(st[0] == 1 ? "y" : "ies")}" +
                     (st.Length >= 4 ? $" (head {st[2]}, len {st[3]})" : "") + $", {st[1]} pr_err(s)\\n\");\n\t\tdiffers = 1;\n\t}}\n");
        }
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
