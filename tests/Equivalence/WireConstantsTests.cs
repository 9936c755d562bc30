using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using NUnit.Framework;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Engines;
using VhostLog.Equivalence.Protocol;
using VhostLog.Models.Kernel;
using VhostLog.Sessions;

namespace VhostLog.Tests.Equivalence;

/// <summary>
/// The wire constants and the named response state: the C header says what
/// the C# says, and every state the model reports reads back to the same
/// values it was written as.
/// </summary>
public sealed class WireConstantsTests
{
    static readonly ulong[][] Inputs =
    [
        [],
        [0],
        [Wire.NotWritten],
        [0x7f00_0000_1000, 0x1800, 0, ulong.MaxValue],
        [.. Enumerable.Range(0, 2 * Wire.UioMaxIov).Select(i => (ulong)i * 0x9e37_79b9_7f4a_7c15)],
    ];

    /// <summary>The header compiles with gcc, and its constants and vl_fnv1a() give what Wire gives.</summary>
    [Test]
    public void TheCHeaderAgreesWithTheCSharpConstantsAndHash()
    {
        var dir = Repo.TempDir("wire-header");
        File.WriteAllText(Path.Combine(dir, "vl_wire.h"), Wire.CHeader());
        var program = "#include <stdio.h>\n\ntypedef unsigned long long u64;\n\n#include \"vl_wire.h\"\n\n" +
            string.Concat(Inputs.Select((words, i) =>
                $"static const u64 input{i}[] = {{ {string.Join(", ", words.Select(Wire.CU64).DefaultIfEmpty("0"))} }};\n")) +
            "\nint main(void)\n{\n" +
            "\tprintf(\"%d %llx %llx %llx\\n\", VL_UIO_MAXIOV, (u64)VL_NOT_WRITTEN, VL_FNV1A_OFFSET_BASIS, VL_FNV1A_PRIME);\n" +
            string.Concat(Inputs.Select((words, i) => $"\tprintf(\"%llx\\n\", vl_fnv1a(input{i}, {words.Length}));\n")) +
            "\treturn 0;\n}\n";
        File.WriteAllText(Path.Combine(dir, "main.c"), program);
        var exe = Path.Combine(dir, "main");
        Assert.That(Run("gcc", $"-std=gnu11 -Wall -Wextra -Werror -O2 -o {exe} main.c", dir), Is.Empty, "gcc");
        var lines = Run(exe, "", dir).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var expected = new[] { $"{Wire.UioMaxIov} {Wire.NotWritten:x} {Wire.Fnv1a.OffsetBasis:x} {Wire.Fnv1a.Prime:x}" }
            .Concat(Inputs.Select(words => Wire.Fnv1a.Hash(words).ToString("x", CultureInfo.InvariantCulture)));
        Assert.That(lines, Is.EqualTo(expected));
    }

    /// <summary>The header's function numbers and state layouts, compiled, are the C#'s: the worker switches and fills by these names.</summary>
    [Test]
    public void TheCHeaderNumbersTheFunctionsAndLaysOutTheStatesAsTheCSharpDoes()
    {
        var dir = Repo.TempDir("wire-layout");
        File.WriteAllText(Path.Combine(dir, "vl_wire.h"), Wire.CHeader());
        var names = Enum.GetValues<Function>().Select(f => $"VL_FN_{f}").Append("VL_FN_COUNT")
            .Concat(["VL_COPY_CMD_LOG_FIXED", "VL_COPY_TMF_LOG_FIXED", "VL_DESTROY_VQ_LOG_FIXED", "VL_DESTROY_LOGS_FIXED", "VL_RESPONSE_FIXED", "VL_USED_KEPT"])
            .Concat(GetDescState.FixedFieldNames.Select(n => $"VL_DESC_{n.ToUpperInvariant()}")).Append("VL_DESC_FIXED").ToList();
        var program = "#include <stdio.h>\n\ntypedef unsigned long long u64;\n\n#include \"vl_wire.h\"\n\nint main(void)\n{\n" +
            string.Concat(names.Select(n => $"\tprintf(\"{n} %d\\n\", (int){n});\n")) + "\treturn 0;\n}\n";
        File.WriteAllText(Path.Combine(dir, "main.c"), program);
        var exe = Path.Combine(dir, "main");
        Assert.That(Run("gcc", $"-std=gnu11 -Wall -Wextra -Werror -O2 -o {exe} main.c", dir), Is.Empty, "gcc");
        var expected = Enum.GetValues<Function>().Select(f => $"VL_FN_{f} {(int)f}")
            .Append($"VL_FN_COUNT {Enum.GetValues<Function>().Length}")
            .Concat([
                $"VL_COPY_CMD_LOG_FIXED {CopyCmdLogState.FixedFields}", $"VL_COPY_TMF_LOG_FIXED {CopyTmfLogState.FixedFields}",
                $"VL_DESTROY_VQ_LOG_FIXED {DestroyVqLogState.FixedFields}", $"VL_DESTROY_LOGS_FIXED {DestroyLogsState.FixedFields}",
                $"VL_RESPONSE_FIXED {ResponseState.FixedFields}", $"VL_USED_KEPT {ResponseState.UsedKept}",
            ])
            .Concat(GetDescState.FixedFieldNames.Select((n, i) => $"VL_DESC_{n.ToUpperInvariant()} {i}"))
            .Append($"VL_DESC_FIXED {GetDescState.FixedFields}");
        Assert.That(Run(exe, "", dir).Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(expected));
    }

    /// <summary>
    /// GetDescState writes and reads its fixed values in the order the
    /// header names them: a state whose i-th named field holds i + 1 is the
    /// wire 1, 2, 3, ...
    /// </summary>
    [Test]
    public void GetDescStateKeepsTheHeadersFieldOrder()
    {
        var state = new GetDescState(1, 2, 3, 4, 5, new IterState(6, 7, 8, 9, 10), 11, 12, 13, 14, 15, 16, 17, 18, 19,
            [new LogEntry(0x1000, 0x200)]);
        var wire = state.ToWire();
        Assert.That(wire, Is.EqualTo(Enumerable.Range(1, GetDescState.FixedFields).Select(i => (ulong)i).Concat([0x1000UL, 0x200UL])));
        var c = new LogCase(Function.vhost_scsi_get_desc, 0, [], false, [], false, 0, 0, [], []);
        Assert.That(FunctionState.Read(c, wire), Is.EqualTo(state).Using<GetDescState>((x, y) => x.ToWire().SequenceEqual(y.ToWire())));
    }

    /// <summary>The model engine hashes vq->iov with the same FNV-1a (base, then length).</summary>
    [Test]
    public void TheEngineHashesIovecsAsWordsOfWireFnv1a()
    {
        var iov = new[] { new iovec { iov_base = new UserPtr(0x1000), iov_len = 16 }, new iovec() };
        Assert.That(VhostLog.Equivalence.Engines.Drivers.ModelValues.IovHash(iov), Is.EqualTo(Wire.Fnv1a.Hash([0x1000, 16, 0, 0])));
    }

    static readonly Function[] WithState =
    [
        Function.vhost_scsi_copy_cmd_log, Function.vhost_scsi_copy_tmf_log, Function.vhost_scsi_destroy_vq_log,
        Function.vhost_scsi_send_status, Function.vhost_scsi_send_bad_target, Function.vhost_scsi_get_desc,
        Function.vhost_scsi_destroy_logs,
    ];

    /// <summary>Every state the model reports for generated cases reads as its function's record and writes back to the same values.</summary>
    [TestCaseSource(nameof(WithState))]
    public void EveryReportedStateReadsBackToTheSameWireValues(Function function)
    {
        var engine = ManagedEngine.For(Semantics.After);
        var read = 0;
        foreach (var c in CaseGenerator.Sample(function, 500, MutantsSession.CiSeed))
        {
            var o = engine.Run(c);
            var state = FunctionState.Read(c, o);
            if (o.Outcome != Outcome.Returned)
            {
                Assert.That(state, Is.Null, "a call that did not return reports no state");
                continue;
            }
            Assert.That(state, Is.Not.Null);
            Assert.That(state!.ToWire(), Is.EqualTo(o.StateOrEmpty), CaseJson.Describe(c));
            read++;
        }
        Assert.That(read, Is.GreaterThan(100));
    }

    [Test]
    public void AStateThatDoesNotFitItsLayoutIsRefused()
    {
        var c = new LogCase(Function.vhost_scsi_copy_cmd_log, 0, [], false, [], false, 0, 0, [], []);
        Assert.Multiple(() =>
        {
            Assert.That(() => FunctionState.Read(c, [1, 0, 0]), Throws.TypeOf<FormatException>(), "too short");
            Assert.That(() => FunctionState.Read(c, [1, 0, 0, 1, 5]), Throws.TypeOf<FormatException>(), "half an entry");
            Assert.That(() => FunctionState.Read(c, [1, 2, 0, 1]), Throws.TypeOf<FormatException>(), "a flag that is not 0 or 1");
            Assert.That(() => FunctionState.Read(c, [1, 0, 1UL << 32, 1]), Throws.TypeOf<FormatException>(), "tvc_log_num wider than 32 bits");
            Assert.That(() => FunctionState.Read(c with { Function = Function.log_write }, [1]), Throws.TypeOf<FormatException>(), "a function without state");
            Assert.That(FunctionState.Read(c, ImmutableArray<ulong>.Empty), Is.Null);
        });
    }

    static string Run(string file, string args, string dir)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Zero, stderr);
        return stdout.Result + stderr;
    }
}

/// <summary>
/// harness/native/vl_wire.h is Wire.CHeader() as committed: the worker and
/// the chains driver include it, so a constant changed in Wire.cs reaches
/// the C only through `make golden-accept`, reviewed.
/// </summary>
public sealed class WireHeaderGoldenTests
{
    [Test]
    public void TheCommittedHeaderIsTheRenderedOne() =>
        VhostLog.Tests.Translator.GoldenTests.Compare(Path.Combine(Repo.Root, Wire.CHeaderPath), Wire.CHeader(), "Wire.CHeader()");
}
