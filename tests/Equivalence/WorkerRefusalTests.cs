using System.Diagnostics;
using NUnit.Framework;
using VhostLog.Equivalence.Protocol;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;
using VhostLog.Sessions;

namespace VhostLog.Tests.Equivalence;

/// <summary>
/// Every way the worker refuses a request (harness/native/worker.c,
/// PROTOCOL.md "Exit status 2"), sent to a real worker process: it answers
/// the valid case before the bad line (responses are flushed first), says
/// on stderr what is malformed and where, and exits with status 2.
/// </summary>
public sealed class WorkerRefusalTests
{
    // The pristine 6.12.117 tree: fn 0-2, 7 and 8, none of the series' scsi.c log functions (3-6).
    static readonly Lazy<string> Worker = new(() => EquivSession.BuildWorker(Repo.Root,
        FunctionSources.FromTree("tree-linux-6.12.117", Repo.DefaultTreeDir, DefaultTree.Debian612.HeadersDir), sanitize: false).WorkerPath);

    /// <summary>A valid fn 7 case (send_status into one 0x100-byte iovec) whose fields the refusals replace.</summary>
    static readonly Dictionary<string, string> Valid = new()
    {
        ["fn"] = "7", ["log_base"] = "0", ["log_ctx"] = "0", ["iotlb"] = "0", ["address"] = "0", ["length"] = "0",
        ["mapped"] = "1 10000 1000", ["umem"] = "0", ["log"] = "0", ["iov"] = "1 10000 100", ["features"] = "0",
        ["iov_limit"] = "400", ["prior_log"] = "0", ["allocs"] = "ffffffffffffffff", ["null_log"] = "0",
        ["null_cmds"] = "0", ["cmds"] = "0", ["head"] = "5", ["out"] = "0", ["in"] = "1", ["kind"] = "0", ["fill"] = "0",
        ["num"] = "0", ["desc"] = "0", ["avail"] = "0", ["last_avail_idx"] = "0", ["avail_idx"] = "0", ["used_flags"] = "0",
        ["notify"] = "ffffffffffffffff", ["writes"] = "0",
    };

    /// <summary>A valid fn 9 case (a ring of 4 whose avail ring is mapped and written) for the ring's refusals.</summary>
    static string RingLine(params (string Field, string Value)[] changes) =>
        Line([("fn", "9"), ("mapped", "2 20000 40 30000 e"), ("num", "4"), ("desc", "20000"), ("avail", "30000"), ("used_flags", "1"),
              ("writes", "1 30000 4 00000100"), .. changes]);

    static string Line(params (string Field, string Value)[] changes)
    {
        var f = new Dictionary<string, string>(Valid);
        foreach (var (field, value) in changes)
        {
            Assert.That(f.ContainsKey(field), field);
            f[field] = value;
        }
        return "C " + string.Join(' ', Valid.Keys.Select(k => f[k])) + "\n";
    }

    static string Repeat(string item, int n) => string.Join(' ', Enumerable.Repeat(item, n));

    static IEnumerable<TestCaseData> Refusals()
    {
        TestCaseData Case(string name, string line, string message) => new TestCaseData(line, message).SetName("Refuses_" + name);
        // Added with the response-copy functions (1d50d68).
        yield return Case("HeadOver7fffffff", Line(("head", "80000000")), "head must be at most 7fffffff");
        yield return Case("OutAtUioMaxIov", Line(("out", "400"), ("in", "0")), "out must be below 400 (UIO_MAXIOV) and out + in at most 400");
        yield return Case("OutPlusInOverUioMaxIov", Line(("out", "1"), ("in", "400")), "out must be below 400 (UIO_MAXIOV) and out + in at most 400");
        yield return Case("NiovOverUioMaxIovForResponses", Line(("iov", "401 " + Repeat("10000 1", 0x401))), "niov must be at most 400 (vq->iov holds UIO_MAXIOV)");
        yield return Case("KindOverFf", Line(("kind", "100")), "kind must be at most ff");
        yield return Case("FillOverFf", Line(("fill", "100")), "fill must be at most ff");
        // The earlier ones.
        yield return Case("FnOver10", Line(("fn", "b")), "fn must be 0 to 10");
        // fn 10's device: out virtqueues, in commands per I/O queue.
        yield return Case("NvqsUnder2ForDestroyLogs", Line(("fn", "a"), ("out", "1")), "out (dev.nvqs) must be 2 to a for vhost_scsi_destroy_logs()");
        yield return Case("CommandsNotPerIoQueue", Line(("fn", "a"), ("out", "3"), ("in", "2"), ("cmds", "1 0")),
            "ncmds must be (out - 2) * in for vhost_scsi_destroy_logs() (in commands per I/O queue)");
        yield return Case("FlagNot0Or1", Line(("log_ctx", "2")), "log_ctx must be 0 or 1");
        yield return Case("MoreThan16HexDigits", Line(("address", "10000000000000000")), "address has more than 16 hex digits");
        yield return Case("NotHex", Line(("length", "zz")), "expected length (hex)");
        yield return Case("MissingField", Line().Replace(" ffffffffffffffff 0\n", " ffffffffffffffff\n"), "expected ' ' and then nwrites");
        yield return Case("CountLongerThanTheLine", Line(("iov", "ffff 10000 100")), "niov ffff: the line is too short for that many entries");
        yield return Case("MappedRangeOver1MiB", Line(("mapped", "1 10000 100001")), "mapped range 10000+100001 wraps or is over 1 MiB");
        yield return Case("MappedRangesOver1MiBInAll", Line(("mapped", "2 10000 80000 200000 80001")), "mapped ranges hold more than 1 MiB");
        yield return Case("IovLimit0", Line(("iov_limit", "0")), "iov_limit must be 1 to 1024");
        yield return Case("PriorLogOverIovLimit", Line(("iov_limit", "1"), ("prior_log", "2")), "prior_log is over iov_limit");
        yield return Case("NlogOverIovLimitForCopyCmdLog", Line(("fn", "4"), ("iov_limit", "1"), ("log", "2 1000 1 2000 1")),
            "nlog is over iov_limit (vq->log holds iov_limit entries)");
        yield return Case("EmptyLogForCopyTmfLog", Line(("fn", "5")), "nlog must be at least 1 for vhost_scsi_copy_tmf_log()");
        yield return Case("NcmdsOver1024", Line(("cmds", "401 " + Repeat("0", 0x401))), "ncmds must be at most 400 (hex: 1024 commands)");
        yield return Case("CommandLogOverIovLimit", Line(("iov_limit", "1"), ("cmds", "1 2")), "command log length 2 is over iov_limit");
        yield return Case("TrailingText", Line(("writes", "0 0")), "unexpected text after the last field");
        // Added with vhost_scsi_get_desc() (fn 9): the virtqueue and the bytes of its rings.
        yield return Case("NumNotAPowerOf2", RingLine(("num", "3")), "num must be a power of 2 from 1 to 8000 for vhost_scsi_get_desc()");
        yield return Case("NumOver32768", RingLine(("num", "10000")), "num must be a power of 2 from 1 to 8000 for vhost_scsi_get_desc()");
        yield return Case("IotlbForGetDesc", RingLine(("iotlb", "1")), "iotlb must be 0 for vhost_scsi_get_desc() (vhost-scsi has no IOTLB)");
        yield return Case("IndexOverFfff", RingLine(("last_avail_idx", "10000")), "last_avail_idx, avail_idx and used_flags must be at most ffff");
        yield return Case("NotifyIndexOverFfff", RingLine(("notify", "10000")), "notify_avail_idx must be at most ffff, or ffffffffffffffff for none");
        yield return Case("WriteOutsideTheMappedRanges", RingLine(("writes", "1 40000 2 0100")), "the write at 40000+2 lands outside the mapped ranges");
        yield return Case("WriteBytesNotHex", RingLine(("writes", "1 30000 2 01zz")), "the write's bytes must be hex digits");
        yield return Case("WriteShorterThanItsLength", RingLine(("writes", "1 30000 4 0001")), "the write at 30000 has fewer than 4 bytes");
        yield return Case("WriteLongerThanItsLength", RingLine(("writes", "1 30000 1 0001")), "the write at 30000 has more than 1 bytes");
        yield return Case("WriteOver1MiB", RingLine(("writes", "1 30000 100001 00")), "write len 100001 is over 1 MiB");
        yield return Case("NoNewlineAtTheEnd", Line().TrimEnd('\n'), "the last line has no newline");
        yield return Case("NotARequest", "X\n", "expected a request C, F or Q");
        // Parsed, but the variant does not have the function (the pristine tree lacks the series' scsi.c log functions).
        yield return Case("FunctionTheVariantLacks", Line(("fn", "3")), "this variant has no function 3");
    }

    [TestCaseSource(nameof(Refusals))]
    public void TheWorkerAnswersWhatCameBeforeThenRefusesWithExit2(string bad, string message)
    {
        var psi = new ProcessStartInfo(Worker.Value)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        // A valid case first: its response must come out before the refusal.
        // A line without its newline can only be the last.
        p.StandardInput.Write(Line() + bad + (bad.EndsWith('\n') ? Line() : ""));
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(10_000), Is.True, "the worker exits");
        var err = stderr.Result;
        TestContext.Out.WriteLine(err);
        Assert.That(p.ExitCode, Is.EqualTo(2), "exit status 2: a malformed request (PROTOCOL.md)");
        Assert.That(err, Does.Contain("vhostlog-worker: malformed input"), "the runner (NativeWorker) recognises the refusal by this");
        Assert.That(err, Does.Contain(message));
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), "the case before the bad line is answered, the one after is not run");
        Assert.That(lines[0], Does.StartWith("R ok 0 1 0 "), "send_status returned and signalled once");
    }

    /// <summary>
    /// The valid fn 9 line: avail->idx 1, avail->ring[0] 0 (the mapped bytes
    /// not written are zero), so descriptor 0, an empty readable buffer with
    /// no next, is a request of nothing: returned 0, taken.
    /// </summary>
    [Test]
    public void TheValidRingLineIsServed()
    {
        var psi = new ProcessStartInfo(Worker.Value)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(RingLine() + "Q\n");
        p.StandardInput.Close();
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(p.WaitForExit(10_000), Is.True);
        Assert.That(p.ExitCode, Is.Zero, p.StandardError.ReadToEnd());
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.StartWith("R ok 0 0 0 13 0 0 0 "), "returned 0; 19 fixed state fields: head 0, out 0, in 0");
        var fields = lines[0].Split(' ');
        Assert.That((fields[16], fields[17], fields[19]), Is.EqualTo(("1", "1", Wire.NotWritten.ToString("x"))), "last_avail_idx and avail_idx 1, log_num not written (the pristine form takes no log)");
    }

    [Test]
    public void TheValidLineIsServedAndTheWorkerKeepsServingUntilQ()
    {
        var psi = new ProcessStartInfo(Worker.Value)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(psi)!;
        p.StandardInput.Write(Line() + "F\n" + Line(("kind", "ff"), ("fill", "ff")) + "Q\n" + Line());
        p.StandardInput.Close();
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(p.WaitForExit(10_000), Is.True);
        Assert.That(p.ExitCode, Is.Zero);
        Assert.That(lines, Has.Length.EqualTo(2), "two cases before Q, nothing after it");
    }
}
