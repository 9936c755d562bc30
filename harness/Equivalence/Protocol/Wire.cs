using System.Globalization;
using System.Text;
using VhostLog.Equivalence.Cases;

namespace VhostLog.Equivalence.Protocol;

/// <summary>
/// The numbers the C# side and the C it talks to (the worker, the chains
/// driver, reproducers) must agree on, described once. <see cref="CHeader"/>
/// renders them for the C side.
/// </summary>
public static class Wire
{
    /// <summary>UIO_MAXIOV: the entries of vq->iov, vq->log and vq->indirect, and the largest iov_limit (the models' own constant).</summary>
    public const int UioMaxIov = VhostLog.Models.Kernel.KernelModel.UIO_MAXIOV;

    /// <summary>The most commands a case may give a virtqueue or a device (max_cmds), as the worker allocates them.</summary>
    public const int MaxCommands = 1024;

    /// <summary>
    /// The model's step limit: a native call that makes more
    /// set_bit_to_user() calls than this stops as hung (VL_STEP_LIMIT), as
    /// the model does at that many kernel API calls, instead of after the
    /// batch timeout.
    /// </summary>
    public const long StepLimit = VhostLog.Models.Kernel.KernelRuntime.DefaultStepLimit;

    /// <summary>
    /// What a caller stores in an out-parameter such as log_num before the
    /// call: no value the kernel stores, so seeing it afterwards means the
    /// call never wrote it.
    /// </summary>
    public const uint NotWritten = 0xdeadbeef;

    /// <summary>
    /// 64-bit FNV-1a over 64-bit words (not bytes): one xor and one multiply
    /// per word. The worker and the chains driver reduce whole arrays
    /// (vq->iov, vq->log) to one number this way, so a response stays short.
    /// </summary>
    public static class Fnv1a
    {
        public const ulong OffsetBasis = 0xcbf29ce484222325UL;
        public const ulong Prime = 0x100000001b3UL;

        public static ulong Step(ulong hash, ulong word) => (hash ^ word) * Prime;

        public static ulong Hash(ReadOnlySpan<ulong> words)
        {
            var h = OffsetBasis;
            foreach (var w in words)
                h = Step(h, w);
            return h;
        }

        /// <summary>
        /// <paramref name="n"/> steps over zero words: each only multiplies by
        /// the prime, so the mostly zero tail of a UIO_MAXIOV array is one
        /// power, not a chain of dependent multiplications (the same value).
        /// </summary>
        public static ulong ZeroWords(ulong hash, ulong n)
        {
            for (var m = Prime; n != 0; n >>= 1, m *= m)
                if ((n & 1) != 0)
                    hash *= m;
            return hash;
        }
    }

    /// <summary>A 64-bit constant as C spells it (0x...ULL).</summary>
    public static string CU64(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture) + "ULL";

    /// <summary>A 32-bit unsigned constant as C spells it (0x...).</summary>
    public static string CU32(uint value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    /// <summary>Where the rendered header is kept, beside the C that includes it (a golden test holds it equal to <see cref="CHeader"/>).</summary>
    public const string CHeaderPath = "harness/native/vl_wire.h";

    /// <summary>
    /// The constants as a C header for the worker and the drivers:
    /// VL_UIO_MAXIOV, VL_NOT_WRITTEN, the function ids, the states' fixed
    /// parts (and get_desc's fields by name), the FNV-1a offset basis and prime, and
    /// vl_fnv1a_step(), vl_fnv1a_zero_words() and vl_fnv1a(), the same
    /// algorithm as <see cref="Fnv1a"/>.
    /// </summary>
    public static string CHeader()
    {
        var s = new StringBuilder();
        s.Append("/* Written by vhostlog from harness/Equivalence/Protocol/Wire.cs; do not edit (make golden-accept). */\n");
        s.Append("#ifndef VL_WIRE_H\n#define VL_WIRE_H\n\n#include <linux/types.h>\n\n");
        s.Append($"#define VL_UIO_MAXIOV {UioMaxIov.ToString(CultureInfo.InvariantCulture)}\n");
        s.Append($"#define VL_MAX_COMMANDS {MaxCommands.ToString(CultureInfo.InvariantCulture)}\n");
        s.Append($"#define VL_STEP_LIMIT {StepLimit.ToString(CultureInfo.InvariantCulture)}UL\n");
        s.Append($"#define VL_NOT_WRITTEN {CU32(NotWritten)}\n");
        s.Append($"#define VL_FNV1A_OFFSET_BASIS {CU64(Fnv1a.OffsetBasis)}\n");
        s.Append($"#define VL_FNV1A_PRIME {CU64(Fnv1a.Prime)}\n\n");
        s.Append("/* The harness functions: a request's first field. */\n");
        s.Append("enum vl_function {\n");
        foreach (var f in Enum.GetValues<Function>())
            s.Append($"\tVL_FN_{f} = {((int)f).ToString(CultureInfo.InvariantCulture)},\n");
        s.Append("\tVL_FN_COUNT\n};\n\n");
        s.Append("/* How many values each state has before its entries (PROTOCOL.md). */\n");
        foreach (var (name, value) in new (string, int)[]
                 {
                     ("VL_COPY_CMD_LOG_FIXED", CopyCmdLogState.FixedFields),
                     ("VL_COPY_TMF_LOG_FIXED", CopyTmfLogState.FixedFields),
                     ("VL_DESTROY_VQ_LOG_FIXED", DestroyVqLogState.FixedFields),
                     ("VL_DESTROY_LOGS_FIXED", DestroyLogsState.FixedFields),
                     ("VL_RESPONSE_FIXED", ResponseState.FixedFields),
                 })
            s.Append($"#define {name} {value.ToString(CultureInfo.InvariantCulture)}\n");
        s.Append($"/* The used entries a response lists at most. */\n#define VL_USED_KEPT {ResponseState.UsedKept.ToString(CultureInfo.InvariantCulture)}\n\n");
        s.Append("/* vhost_scsi_get_desc()'s fixed values, in wire order. */\n");
        s.Append("enum vl_desc_field {\n");
        foreach (var field in GetDescState.FixedFieldNames)
            s.Append($"\tVL_DESC_{field.ToUpperInvariant()},\n");
        s.Append("\tVL_DESC_FIXED\n};\n\n");
        s.Append("/* FNV-1a over 64-bit words: one xor and one multiply per word. */\n");
        s.Append("static inline __u64 vl_fnv1a_step(__u64 h, __u64 word)\n{\n\treturn (h ^ word) * VL_FNV1A_PRIME;\n}\n\n");
        s.Append("/* n zero words: h * prime^n (mod 2^64), the same value as n steps. */\n");
        s.Append("static inline __u64 vl_fnv1a_zero_words(__u64 h, __u64 n)\n{\n\t__u64 m = VL_FNV1A_PRIME;\n\n");
        s.Append("\tfor (; n; n >>= 1, m *= m)\n\t\tif (n & 1)\n\t\t\th *= m;\n\treturn h;\n}\n\n");
        s.Append("static inline __u64 vl_fnv1a(const __u64 *words, unsigned long n)\n{\n\t__u64 h = VL_FNV1A_OFFSET_BASIS;\n\tunsigned long i;\n\n");
        s.Append("\tfor (i = 0; i < n; i++)\n\t\th = vl_fnv1a_step(h, words[i]);\n\treturn h;\n}\n\n");
        s.Append("#endif /* VL_WIRE_H */\n");
        return s.ToString();
    }
}
