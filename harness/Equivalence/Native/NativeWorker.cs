using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using VhostLog.Equivalence.Cases;

namespace VhostLog.Equivalence.Native;

/// <summary>How requests and responses are spelt (harness/native/PROTOCOL.md).</summary>
public enum WireFormat
{
    /// <summary>One line of hex numbers per case (the first protocol, kept to compare against).</summary>
    Text,

    /// <summary>Framed little-endian numbers: no hex to write or scan on either side.</summary>
    Binary,
}

/// <summary>Settings of a <see cref="NativeWorker"/>.</summary>
public sealed record NativeWorkerOptions
{
    /// <summary>The wire the worker is spoken to on; both carry the same fields and give the same observations.</summary>
    public WireFormat Wire { get; init; } = WireFormat.Binary;

    /// <summary>Cases per batch (each batch ends with <c>F</c>).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>A batch not fully answered within this time is a timeout of the case in flight.</summary>
    public TimeSpan BatchTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a worker may take to die after SIGTERM (or after its last answer) before SIGKILL.</summary>
    public TimeSpan TerminateGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A batch stops growing at this many request bytes, so that it always
    /// fits the pipe to the worker; a case larger than half of it goes alone.
    /// </summary>
    public int MaxBatchBytes { get; init; } = 48 * 1024;

    /// <summary>Extra environment variables of the worker process (e.g. ASAN_OPTIONS).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

/// <summary>The worker rejected a request (exit status 2): a bug of the runner or an invalid case.</summary>
public sealed class NativeWorkerException(string message) : Exception(message);

/// <summary>
/// Runs cases in a native worker process (harness/native/PROTOCOL.md).
/// A case that kills the worker becomes <see cref="Outcome.Crash"/>, one
/// that keeps a batch past its deadline <see cref="Outcome.Timeout"/>; the
/// worker is then restarted and the remaining cases run on. Not thread-safe:
/// use one instance per thread.
/// </summary>
public sealed class NativeWorker : IDisposable
{
    private const int SigTerm = 15;

    private static readonly ImmutableArray<string> MeaningfulMarkers =
    [
        "runtime error:",
        "ERROR: AddressSanitizer",
        "ERROR: LeakSanitizer",
        "SUMMARY:",
        "vhostlog-worker:",
    ];

    private readonly Lock _gate = new();
    private readonly Timer _watchdog;
    private readonly ByteBuffer _request = new();
    private WorkerProcess? _current;
    private WorkerProcess? _armed;   // guarded by _gate
    private long _deadline;          // guarded by _gate (Stopwatch ticks)
    private bool _fired;             // guarded by _gate
    private bool _disposed;

    public NativeWorker(string workerPath, NativeWorkerOptions? options = null)
    {
        WorkerPath = Path.GetFullPath(workerPath);
        Options = options ?? new NativeWorkerOptions();
        if (Options.BatchSize < 1 || Options.MaxBatchBytes < 64 || Options.BatchTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options));
        }
        if (!File.Exists(WorkerPath))
        {
            throw new FileNotFoundException("native worker not found", WorkerPath);
        }
        _watchdog = new Timer(OnWatchdog, null, Timeout.Infinite, Timeout.Infinite);
    }

    public NativeWorker(NativeBuildResult build, NativeWorkerOptions? options = null)
        : this(build.WorkerPath, options)
    {
    }

    public string WorkerPath { get; }

    public NativeWorkerOptions Options { get; }

    /// <summary>How many worker processes were started so far (restarts + 1).</summary>
    public int ProcessesStarted { get; private set; }

    /// <summary>Runs every case; the result has one observation per case, in order.</summary>
    /// <param name="cancel">
    /// stops the worker in flight (SIGTERM, SIGKILL after the grace) without
    /// waiting for its batch timeout, then throws OperationCanceledException
    /// </param>
    /// <exception cref="NativeWorkerException">The worker rejected a case as malformed.</exception>
    public IReadOnlyList<Observation> Run(IReadOnlyList<LogCase> cases, CancellationToken cancel = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(cases);
        var results = new Observation[cases.Count];
        int next = 0;
        int carefulUntil = 0; // cases before this index go one per batch
        using var stopping = cancel.Register(() => Stop(_current));
        while (next < cases.Count)
        {
            cancel.ThrowIfCancellationRequested();
            var worker = _current ??= Start();
            int count = FormatBatch(cases, next, next < carefulUntil ? 1 : Options.BatchSize);
            var end = Exchange(worker, results, next, count);
            if (!end.Ended && !end.TimedOut)
            {
                next += count;
                continue;
            }

            // The worker died, was stopped, or broke the protocol.
            _current = null;
            if (cancel.IsCancellationRequested)
            {
                // Stopped by the cancellation: its death is not the case's.
                Finish(worker, kill: true);
                cancel.ThrowIfCancellationRequested();
            }
            var (exitCode, stderr) = Finish(worker, kill: end.ProtocolError != null);
            if (exitCode == 2 && stderr.Any(l => l.Contains("malformed input", StringComparison.Ordinal)))
            {
                throw new NativeWorkerException(
                    $"worker rejected case {next + end.Received}: " + string.Join("\n", stderr.Where(l => l.Length > 0)));
            }
            next += end.Received;
            int unanswered = count - end.Received;
            if (unanswered == 0)
            {
                continue; // stopped just after its last answer
            }
            if (end.DeathIndex == end.Received || unanswered == 1)
            {
                results[next] = new Observation(
                    end.TimedOut ? Outcome.Timeout : Outcome.Crash,
                    0,
                    0,
                    ImmutableArray<ByteRun>.Empty,
                    Describe(end, exitCode, stderr));
                next++;
            }
            else
            {
                // Answers were lost (SIGKILL): find the culprit one case at a time.
                carefulUntil = Math.Max(carefulUntil, next + unanswered);
            }
        }
        return results;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        lock (_gate)
        {
            _armed = null;
            _watchdog.Dispose();
        }
        if (_current is { } worker)
        {
            _current = null;
            try
            {
                worker.Stdin.Write(Options.Wire == WireFormat.Binary ? "Q"u8 : "Q\n"u8);
                worker.Stdin.Flush();
                worker.Stdin.Close();
            }
            catch (IOException)
            {
            }
            Finish(worker, kill: false);
        }
    }

    private int FormatBatch(IReadOnlyList<LogCase> cases, int start, int limit)
    {
        _request.Clear();
        int count = 0;
        while (count < limit && start + count < cases.Count)
        {
            int before = _request.Length;
            if (Options.Wire == WireFormat.Binary)
            {
                BinaryProtocol.WriteCase(_request, cases[start + count]);
            }
            else
            {
                NativeProtocol.WriteCase(_request, cases[start + count]);
            }
            int size = _request.Length - before;
            bool big = size > Options.MaxBatchBytes / 2;
            if (count > 0 && (big || _request.Length > Options.MaxBatchBytes))
            {
                _request.Truncate(before);
                break;
            }
            count++;
            if (big)
            {
                break;
            }
        }
        _request.Append(Options.Wire == WireFormat.Binary ? "F"u8 : "F\n"u8);
        return count;
    }

    private readonly record struct BatchEnd(
        int Received, bool Ended, bool TimedOut, long DeathIndex, string? ProtocolError);

    private BatchEnd Exchange(WorkerProcess worker, Observation[] results, int start, int count)
    {
        ulong seqBase = worker.CasesSent;
        worker.CasesSent += (ulong)count;
        Arm(worker);
        try
        {
            worker.Stdin.Write(_request.Written);
            worker.Stdin.Flush();
        }
        catch (IOException)
        {
            // The worker is gone; what it answered is still in the pipe.
        }

        int received = 0;
        long deathIndex = -1;
        string? protocolError = null;
        bool ended = false;
        while (received < count)
        {
            var answer = worker.Wire == WireFormat.Binary
                ? ReadBinary(worker, seqBase, count)
                : ReadText(worker, seqBase, count);
            if (answer.Observation is { } observation)
            {
                results[start + received++] = observation;
                continue;
            }
            deathIndex = answer.DeathIndex;
            protocolError = answer.ProtocolError;
            ended = true;
            break;
        }
        bool timedOut = Disarm();
        return new BatchEnd(received, ended, timedOut, deathIndex, protocolError);
    }

    /// <summary>One message of the worker: a response, or why the batch ended (a death, a protocol error, end of output).</summary>
    private readonly record struct Answer(Observation? Observation, long DeathIndex, string? ProtocolError);

    /// <summary>The index in the batch of a worker's D case, or -1 when it lies outside the batch.</summary>
    private static long InBatch(ulong deathCase, ulong seqBase, int count) =>
        deathCase >= seqBase && deathCase - seqBase < (ulong)count ? (long)(deathCase - seqBase) : -1;

    private static Answer ReadText(WorkerProcess worker, ulong seqBase, int count)
    {
        if (!worker.Reader!.TryReadLine(out var line))
        {
            return new Answer(null, -1, null);
        }
        if (line.Length > 0 && line[0] == (byte)'R')
        {
            var observation = NativeProtocol.ParseResponse(line);
            return observation == null
                ? new Answer(null, -1, "malformed response: " + Excerpt(line))
                : new Answer(observation, -1, null);
        }
        if (NativeProtocol.TryParseDeath(line, out ulong deathCase, out _))
        {
            return new Answer(null, InBatch(deathCase, seqBase, count), null);
        }
        return new Answer(null, -1, "unexpected output: " + Excerpt(line));
    }

    private static Answer ReadBinary(WorkerProcess worker, ulong seqBase, int count)
    {
        if (!worker.Frames!.TryReadFrame(out byte type, out var body))
        {
            return new Answer(null, -1, null);
        }
        if (type == (byte)'R')
        {
            var observation = BinaryProtocol.ParseResponse(body);
            return observation == null
                ? new Answer(null, -1, $"malformed response frame of {body.Length} bytes")
                : new Answer(observation, -1, null);
        }
        if (type == (byte)'D' && BinaryProtocol.TryParseDeath(body, out ulong deathCase, out _))
        {
            return new Answer(null, InBatch(deathCase, seqBase, count), null);
        }
        return new Answer(null, -1, $"unexpected output: a frame of type 0x{type:x2}");
    }

    private WorkerProcess Start()
    {
        var psi = new ProcessStartInfo(WorkerPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Options.Wire == WireFormat.Binary)
        {
            psi.ArgumentList.Add("--binary");
        }
        if (Options.Environment != null)
        {
            foreach (var (name, value) in Options.Environment)
            {
                psi.Environment[name] = value;
            }
        }
        var process = Process.Start(psi)
            ?? throw new InvalidOperationException($"could not start {WorkerPath}");
        var worker = new WorkerProcess(process, Options.Wire);
        process.ErrorDataReceived += (_, e) => worker.Stderr.Add(e.Data);
        process.BeginErrorReadLine();
        ProcessesStarted++;
        return worker;
    }

    /// <summary>Waits for (or forces) the end of a worker; its exit code and stderr.</summary>
    private (int ExitCode, string[] Stderr) Finish(WorkerProcess worker, bool kill)
    {
        var process = worker.Process;
        try
        {
            if (kill || !process.WaitForExit(Options.TerminateGrace))
            {
                process.Kill();
            }
            // Let the stderr reader reach end of file (bounded: a grandchild could hold it).
            using var cts = new CancellationTokenSource(Options.TerminateGrace);
            try
            {
                process.WaitForExitAsync(cts.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
            }
            int exitCode = process.HasExited ? process.ExitCode : -1;
            return (exitCode, worker.Stderr.Snapshot());
        }
        catch (InvalidOperationException)
        {
            return (-1, worker.Stderr.Snapshot());
        }
        finally
        {
            worker.Dispose();
        }
    }

    private string Describe(BatchEnd end, int exitCode, string[] stderr)
    {
        var sb = new StringBuilder();
        if (end.TimedOut)
        {
            sb.Append($"timeout: batch not answered within {Options.BatchTimeout.TotalSeconds:0.###} s; worker stopped, ");
        }
        else
        {
            sb.Append("worker died, ");
        }
        sb.Append(exitCode switch
        {
            -1 => "exit status unknown",
            > 128 and < 192 => $"killed by signal {exitCode - 128} ({SignalName(exitCode - 128)})",
            _ => $"exit status {exitCode}",
        });
        if (end.ProtocolError != null)
        {
            sb.Append("; ").Append(end.ProtocolError);
        }
        var picked = stderr
            .Where(l => MeaningfulMarkers.Any(m => l.Contains(m, StringComparison.Ordinal))
                        && !l.Contains("vhostlog-worker: died in case", StringComparison.Ordinal))
            .Take(4)
            .ToList();
        if (picked.Count == 0)
        {
            picked = stderr.Where(l => !string.IsNullOrWhiteSpace(l)
                                       && !l.Contains("vhostlog-worker: died in case", StringComparison.Ordinal))
                .Take(3)
                .ToList();
        }
        foreach (string l in picked)
        {
            sb.Append('\n').Append(l.Length > 300 ? l[..300] + "..." : l.Trim());
        }
        return sb.ToString();
    }

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        31 => "SIGSYS",
        _ => "signal " + signal,
    };

    private static string Excerpt(ReadOnlySpan<byte> line) =>
        Encoding.UTF8.GetString(line.Length > 120 ? line[..120] : line);

    private void Arm(WorkerProcess worker)
    {
        lock (_gate)
        {
            _armed = worker;
            _fired = false;
            _deadline = Stopwatch.GetTimestamp() + (long)(Options.BatchTimeout.TotalSeconds * Stopwatch.Frequency);
            _watchdog.Change(Options.BatchTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Stops watching; true if the deadline passed (the worker is being stopped).</summary>
    private bool Disarm()
    {
        lock (_gate)
        {
            _armed = null;
            bool fired = _fired;
            _fired = false;
            return fired;
        }
    }

    /// <summary>
    /// Ends a worker as the watchdog does, on a thread of its own: the
    /// cancellation that calls it (a signal handler's) must not wait.
    /// </summary>
    private void Stop(WorkerProcess? worker)
    {
        if (worker is null)
        {
            return;
        }
        _ = Task.Run(() =>
        {
            try
            {
                if (!worker.Process.HasExited)
                {
                    _ = Kill(worker.Process.Id, SigTerm);
                    if (!worker.Process.WaitForExit(Options.TerminateGrace))
                    {
                        worker.Process.Kill();
                    }
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // It ended (or was reaped) meanwhile.
            }
        });
    }

    private void OnWatchdog(object? state)
    {
        WorkerProcess? worker;
        lock (_gate)
        {
            worker = _armed;
            if (worker == null)
            {
                return; // disarmed
            }
            long early = _deadline - Stopwatch.GetTimestamp();
            if (early > 0)
            {
                // A timer tick may come a little early (or belong to an earlier batch): wait for the rest.
                _watchdog.Change(TimeSpan.FromSeconds((double)early / Stopwatch.Frequency) + TimeSpan.FromMilliseconds(1),
                    Timeout.InfiniteTimeSpan);
                return;
            }
            _fired = true;
        }
        try
        {
            // SIGTERM lets the worker write its answers and a D line first.
            if (!worker.Process.HasExited)
            {
                _ = Kill(worker.Process.Id, SigTerm);
                if (!worker.Process.WaitForExit(Options.TerminateGrace))
                {
                    worker.Process.Kill();
                }
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>One worker process and its pipes.</summary>
    private sealed class WorkerProcess(Process process, WireFormat wire) : IDisposable
    {
        public Process Process { get; } = process;

        public WireFormat Wire { get; } = wire;

        public Stream Stdin { get; } = process.StandardInput.BaseStream;

        /// <summary>The text wire's reader (null on the binary wire).</summary>
        public LineReader? Reader { get; } = wire == WireFormat.Text ? new(process.StandardOutput.BaseStream) : null;

        /// <summary>The binary wire's reader (null on the text wire).</summary>
        public FrameReader? Frames { get; } = wire == WireFormat.Binary ? new(process.StandardOutput.BaseStream) : null;

        public StderrLog Stderr { get; } = new();

        /// <summary>C lines written to this process (its case numbering).</summary>
        public ulong CasesSent { get; set; }

        public void Dispose() => Process.Dispose();
    }

    /// <summary>The last lines a worker wrote to stderr.</summary>
    private sealed class StderrLog
    {
        private const int Capacity = 400;
        private readonly Lock _lock = new();
        private readonly Queue<string> _lines = new();

        public void Add(string? line)
        {
            if (line == null)
            {
                return;
            }
            lock (_lock)
            {
                if (_lines.Count == Capacity)
                {
                    _lines.Dequeue();
                }
                _lines.Enqueue(line);
            }
        }

        public string[] Snapshot()
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }
}
