using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using VhostLog.KernelTree;
using VhostLog.Models.Kernel;

namespace VhostLog.Simulator;

/// <summary>The native driver died, hung or answered what the protocol does not allow.</summary>
public sealed class NativeEngineException(string message) : Exception(message);

/// <summary>
/// The request path run by the C of a kernel tree: harness/native/sim.c,
/// built by sim.mk from a <see cref="RequestPathSource"/>, spoken to over
/// stdin/stdout (harness/native/SIM-PROTOCOL.md). The kernel functions read
/// and write real rings in the driver's simulated guest memory; the glue
/// around them mirrors <see cref="ManagedRequestPath"/> at the tree's series
/// level.
/// </summary>
public sealed class NativeRequestPath : IRequestPath, IDisposable
{
    /// <summary>One answer may take this long before the driver counts as hung and is killed (a whole request path takes microseconds).</summary>
    public TimeSpan AnswerTimeout { get; set; } = TimeSpan.FromSeconds(30);

    readonly DriverProcess process;
    readonly RequestPathSource source;
    readonly string driver;
    readonly bool indirect;

    NativeRequestPath(string driver, RequestPathSource source, string label, bool indirect)
    {
        this.driver = driver;
        this.source = source;
        this.indirect = indirect;
        State = $"{source.State}: C of {label}";
        process = DriverProcess.Start(driver);
    }

    public string State { get; }

    /// <summary>The series level the C has (0: as shipped, 4 .. 8: patches of the series).</summary>
    public int Glue => source.Glue;

    /// <summary>
    /// Takes the request path from <paramref name="treeDir"/>, builds the
    /// driver (into <paramref name="buildRoot"/>, reused while its inputs are
    /// unchanged) and starts it.
    /// </summary>
    /// <param name="probes">say which patches of the series the tree has (<see cref="RequestPathSources.FromTree"/>)</param>
    /// <param name="indirect">post chains of several descriptors through indirect tables (get_indirect()), as a Linux guest does</param>
    /// <param name="sanitize">run the driver built with ASan+UBSan: a report kills it, which fails the command in flight with the report</param>
    /// <exception cref="UsageException">the tree lacks what the request path needs, or its C does not compile against the shim</exception>
    public static NativeRequestPath Start(string harnessDirectory, string treeDir, string headersDir, string buildRoot, string label,
                                          SeriesProbes probes, bool indirect = true, bool sanitize = false)
    {
        var source = RequestPathSources.FromTree(treeDir, headersDir, probes, harnessDirectory);
        return new NativeRequestPath(Build(harnessDirectory, source, buildRoot, sanitize), source,
            sanitize ? label + ", ASan+UBSan" : label, indirect);
    }

    /// <summary>Builds sim.c around the source with make (sim.mk); the folder is named by a hash of the functions and the tree.</summary>
    public static string Build(string harnessDirectory, RequestPathSource source, string buildRoot, bool sanitize = false) =>
        DriverBuild.Make(harnessDirectory, "sim", source.Tree, source.FunctionsC, buildRoot, "the request path", sanitize);

    public void Start(DeviceLayout layout)
    {
        var q = new[] { VirtQueue.Control, VirtQueue.Event, VirtQueue.Io }.Select(v =>
            $"{GuestLayout.DescTable(v):x} {GuestLayout.AvailRing(v):x} {layout.Queue(v).UsedRingGpa:x} {layout.Queue(v).Num:x}");
        var answer = Ask($"start {layout.LogBase:x} {layout.GuestPages:x} {Math.Min(GuestLayout.FirstDataPage, layout.GuestPages):x} " +
                         $"{layout.CommandSlots:x} {string.Join(' ', q)}" +
                         (indirect && layout.GuestPages > GuestLayout.IndirectTablePage
                             ? $" {GuestLayout.IndirectTablePage * GuestLayout.PageSize:x} {GuestLayout.PageSize:x}"
                             : ""));
        if (answer != $"glue={source.Glue}")
            throw new NativeEngineException($"the native driver runs glue '{answer}', its source says {source.Glue}");
    }

    public void Post(VirtQueue queue, DescriptorChain chain) =>
        Ask($"post {(int)queue:x} {chain.Descriptors.Count:x} " +
            string.Join(' ', chain.Descriptors.Select(d => $"{d.Addr:x} {d.Len:x} {(d.Write ? 1 : 0)}")));

    public int SubmitIo() => Hex(Ask("submit"));

    public ImmutableArray<GuestWrite> CompleteIo(int tag) => Writes(Ask($"complete {tag:x}"));

    public ControlOutcome HandleControl(ControlRequest request)
    {
        var answer = Ask("control " + request switch
        {
            ControlRequest.LunReset => "lun-reset",
            ControlRequest.AbortTask => "abort-task",
            _ => "an-query",
        });
        if (answer.StartsWith("pending ", StringComparison.Ordinal))
            return new ControlOutcome([], Hex(answer["pending ".Length..]));
        if (answer == "done" || answer.StartsWith("done ", StringComparison.Ordinal))
            return new ControlOutcome(Writes(answer["done".Length..]), null);
        throw Protocol("control", answer);
    }

    public ImmutableArray<GuestWrite> CompleteTmf(int pending) => Writes(Ask($"tmf {pending:x}"));

    public ImmutableArray<GuestWrite> SendEvent() => Writes(Ask("event"));

    public ImmutableArray<ulong> CollectDirtyPages() =>
        [.. Ask("dirty").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(p => ulong.Parse(p, NumberStyles.HexNumber, CultureInfo.InvariantCulture))];

    public void Dispose() => process.Dispose();

    /// <summary>Sends one command and returns what follows "ok" in its answer.</summary>
    string Ask(string command)
    {
        string? line;
        try
        {
            process.Input.Write(command);
            process.Input.Write('\n');
            process.Input.Flush();
            var read = process.Output.ReadLineAsync();
            if (!read.Wait(AnswerTimeout))
            {
                process.Kill();
                throw new NativeEngineException($"the native driver {driver} did not answer '{Verb(command)}' within {AnswerTimeout.TotalSeconds} s and was killed{process.StderrTail()}");
            }
            line = read.Result;
        }
        catch (IOException)
        {
            line = null;
        }
        if (line is null)
            throw Died(command);
        if (line.StartsWith("err ", StringComparison.Ordinal))
            throw new InvalidOperationException($"native request path ({Verb(command)}): {line[4..]}");
        if (line != "ok" && !line.StartsWith("ok ", StringComparison.Ordinal))
            throw Protocol(Verb(command), line);
        return line.Length > 3 ? line[3..] : "";
    }

    NativeEngineException Died(string command)
    {
        var how = process.HowItEnded();
        // The whole command (its input), not only its verb: a sanitizer report is about that input.
        var input = command.Length > 400 ? command[..400] + " ..." : command;
        return new NativeEngineException($"the native driver {driver} {how} during '{Verb(command)}' (input: {input}){process.StderrTail()}");
    }

    NativeEngineException Protocol(string verb, string line) =>
        new($"the native driver {driver} answered '{verb}' with '{line}', which SIM-PROTOCOL.md does not allow");

    static string Verb(string command) => command.Split(' ', 2)[0];

    static int Hex(string s) => int.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    static ImmutableArray<GuestWrite> Writes(string answer) =>
        [.. answer.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w =>
        {
            var plus = w.IndexOf('+');
            return new GuestWrite(ulong.Parse(w.AsSpan(0, plus), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                                  ulong.Parse(w.AsSpan(plus + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        })];
}
