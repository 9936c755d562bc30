using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace VhostLog.Equivalence.Native;

/// <summary>A built native worker executable.</summary>
/// <param name="Variant">The variant name it was built for.</param>
/// <param name="Sanitize">Built with AddressSanitizer and UndefinedBehaviorSanitizer.</param>
/// <param name="Directory">Its build folder (keyed by a hash of all inputs).</param>
/// <param name="WorkerPath">The executable.</param>
/// <param name="CompilerOutput">gcc's diagnostics (empty when warning-free).</param>
/// <param name="Reused">True when an earlier build with the same inputs was found.</param>
public sealed record NativeBuildResult(
    string Variant,
    bool Sanitize,
    string Directory,
    string WorkerPath,
    string CompilerOutput,
    bool Reused);

/// <summary>The native build failed; <see cref="CompilerOutput"/> holds gcc's stderr.</summary>
public sealed class NativeBuildException(string message, string compilerOutput, string commandLine)
    : Exception(message + Environment.NewLine + compilerOutput)
{
    public string CompilerOutput { get; } = compilerOutput;

    public string CommandLine { get; } = commandLine;
}

/// <summary>
/// Builds native workers (harness/native/Makefile) for variants of the
/// functions under test: the tree's vhost.h and vhost_iotlb.h, the C text of
/// log_write, log_write_hva and vhost_log_write, with or without sanitizers.
/// Each build goes to a folder of <see cref="BuildRoot"/> named by a hash of
/// every input (shim and native sources, tree headers, functions text,
/// flags, compiler version); an existing one is reused. Safe to call from
/// several threads and processes: each build compiles in its own scratch
/// folder and renames the finished executable into place.
/// </summary>
public sealed class NativeBuild
{
    private const string WorkerName = "worker";
    private const string CompilerOutputName = "compiler-output.txt";
    private readonly Lazy<string> _compilerVersion;

    /// <param name="harnessDirectory">The repository's <c>harness</c> folder
    /// (holding <c>shim/</c> and <c>native/</c>); see <see cref="FindHarnessDirectory"/>.</param>
    /// <param name="buildRoot">Where build folders go (created if missing).</param>
    /// <param name="compiler">The C compiler (gcc).</param>
    /// <param name="make">The make program.</param>
    public NativeBuild(string harnessDirectory, string buildRoot, string compiler = "gcc", string make = "make")
    {
        HarnessDirectory = Path.GetFullPath(harnessDirectory);
        BuildRoot = Path.GetFullPath(buildRoot);
        Compiler = compiler;
        Make = make;
        if (!File.Exists(Path.Combine(HarnessDirectory, "native", "Makefile")))
        {
            throw new ArgumentException($"{HarnessDirectory} has no native/Makefile", nameof(harnessDirectory));
        }
        _compilerVersion = new Lazy<string>(QueryCompilerVersion, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string HarnessDirectory { get; }

    public string BuildRoot { get; }

    public string Compiler { get; }

    public string Make { get; }

    /// <summary>
    /// The <c>harness</c> folder of the repository that contains
    /// <paramref name="startDirectory"/> (default: the application's base
    /// directory), found by walking up to a folder with harness/native/Makefile.
    /// </summary>
    public static string FindHarnessDirectory(string? startDirectory = null)
    {
        for (var dir = new DirectoryInfo(startDirectory ?? AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "harness");
            if (File.Exists(Path.Combine(candidate, "native", "Makefile")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"no harness/native/Makefile above {startDirectory ?? AppContext.BaseDirectory}");
    }

    /// <summary>
    /// Builds (or reuses) the worker for one variant.
    /// </summary>
    /// <param name="variant">A name for the variant (used in the folder name and messages).</param>
    /// <param name="treeDirectory">Kernel tree with drivers/vhost/vhost.h and include/linux/vhost_iotlb.h.</param>
    /// <param name="functionsC">C text defining log_write, log_write_hva and vhost_log_write.</param>
    /// <param name="sanitize">Build with -O1 and ASan+UBSan (UB errors fatal) instead of -O2.</param>
    /// <exception cref="NativeBuildException">The compiler failed; carries its stderr.</exception>
    public NativeBuildResult Build(string variant, string treeDirectory, string functionsC, bool sanitize)
    {
        ArgumentException.ThrowIfNullOrEmpty(variant);
        ArgumentNullException.ThrowIfNull(functionsC);
        string tree = Path.GetFullPath(treeDirectory);
        string vhostH = Path.Combine(tree, "drivers", "vhost", "vhost.h");
        string iotlbH = Path.Combine(tree, "include", "linux", "vhost_iotlb.h");
        foreach (string required in new[] { vhostH, iotlbH })
        {
            if (!File.Exists(required))
            {
                // The harness compiles the tree's own headers: a tree without
                // them is bad input, not a crash.
                throw new VhostLog.KernelTree.UsageException(
                    $"the kernel tree {tree} has no {Path.GetRelativePath(tree, required)}, which the harness compiles its functions with; " +
                    "pass the top of a complete kernel source tree (one with drivers/vhost and include/linux), for example the extracted linux-source package");
            }
        }

        foreach (string path in new[] { tree, BuildRoot, HarnessDirectory })
        {
            // make splits its variables on blanks and the -D macro is quoted for the shell.
            if (path.Any(ch => char.IsWhiteSpace(ch) || ch is '\'' or '"' or '\\' or '$'))
            {
                throw new ArgumentException($"native builds need paths without blanks or quotes: {path}");
            }
        }

        string key = ComputeKey(variant, vhostH, iotlbH, functionsC, sanitize);
        string name = $"{SafeName(variant)}-{(sanitize ? "san" : "o2")}-{key}";
        string final = Path.Combine(BuildRoot, name);
        string finalWorker = Path.Combine(final, WorkerName);
        if (File.Exists(finalWorker))
        {
            return Existing(variant, sanitize, final, finalWorker);
        }

        // The functions file gets its final path before compiling, so that
        // sanitizer reports and debug info name a file that stays. Racing
        // builds of the same key write identical bytes and rename atomically.
        Directory.CreateDirectory(final);
        string functionsPath = Path.Combine(final, "functions.c");
        if (!File.Exists(functionsPath) || File.ReadAllText(functionsPath) != functionsC)
        {
            string tempFunctions = functionsPath + $".tmp-{Guid.NewGuid():N}";
            File.WriteAllText(tempFunctions, functionsC);
            File.Move(tempFunctions, functionsPath, overwrite: true);
        }

        string temp = Path.Combine(final, $".tmp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var psi = new ProcessStartInfo(Make)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.Environment["LC_ALL"] = "C";
            foreach (string arg in new[]
            {
                "-f", Path.Combine(HarnessDirectory, "native", "Makefile"),
                "TREE=" + tree,
                "FUNCS=" + functionsPath,
                "OUT=" + Path.Combine(temp, WorkerName),
                "BUILD=" + temp,
                "SAN=" + (sanitize ? "1" : "0"),
                "CC=" + Compiler,
            })
            {
                psi.ArgumentList.Add(arg);
            }
            string commandLine = Make + " " + string.Join(" ", psi.ArgumentList.Select(QuoteForDisplay));

            using var process = Process.Start(psi)
                ?? throw new InvalidOperationException($"could not start {Make}");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            string output = stdout.GetAwaiter().GetResult();
            string diagnostics = stderr.GetAwaiter().GetResult();
            File.WriteAllText(Path.Combine(temp, "build.log"), commandLine + "\n" + output + diagnostics);
            if (process.ExitCode != 0 || !File.Exists(Path.Combine(temp, WorkerName)))
            {
                throw new NativeBuildException(
                    $"native build of variant '{variant}' failed (exit {process.ExitCode})", diagnostics, commandLine);
            }
            File.WriteAllText(Path.Combine(temp, CompilerOutputName), diagnostics);
            File.Move(Path.Combine(temp, "build.log"), Path.Combine(final, "build.log"), overwrite: true);
            File.Move(Path.Combine(temp, CompilerOutputName), Path.Combine(final, CompilerOutputName), overwrite: true);
            // Last: the worker's presence marks the folder complete.
            File.Move(Path.Combine(temp, WorkerName), finalWorker, overwrite: true);
            return new NativeBuildResult(variant, sanitize, final, finalWorker, diagnostics, Reused: false);
        }
        finally
        {
            try
            {
                Directory.Delete(temp, recursive: true);
            }
            catch (IOException)
            {
                // A leftover scratch folder is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    private static NativeBuildResult Existing(string variant, bool sanitize, string dir, string worker)
    {
        string outputPath = Path.Combine(dir, CompilerOutputName);
        string output = File.Exists(outputPath) ? File.ReadAllText(outputPath) : "";
        return new NativeBuildResult(variant, sanitize, dir, worker, output, Reused: true);
    }

    private string ComputeKey(string variant, string vhostH, string iotlbH, string functionsC, bool sanitize)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string label, ReadOnlySpan<byte> data)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"\n{label}\n{data.Length}\n"));
            hash.AppendData(data);
        }
        void AddText(string label, string text) => Add(label, Encoding.UTF8.GetBytes(text));

        AddText("format", "vhostlog-native-build-1");
        AddText("variant", variant);
        AddText("sanitize", sanitize ? "1" : "0");
        AddText("compiler", Compiler + " " + _compilerVersion.Value);
        AddText("functions", functionsC);
        Add("vhost.h", File.ReadAllBytes(vhostH));
        Add("vhost_iotlb.h", File.ReadAllBytes(iotlbH));
        foreach (string sub in new[] { "shim", "native" })
        {
            string root = Path.Combine(HarnessDirectory, sub);
            var files = Directory.GetFiles(root, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(HarnessDirectory, f).Replace('\\', '/'))
                .Order(StringComparer.Ordinal);
            foreach (string rel in files)
            {
                Add("file " + rel, File.ReadAllBytes(Path.Combine(HarnessDirectory, rel)));
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset())[..20];
    }

    private string QueryCompilerVersion()
    {
        try
        {
            var psi = new ProcessStartInfo(Compiler)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("--version");
            using var process = Process.Start(psi);
            if (process == null)
            {
                return "unknown";
            }
            var err = process.StandardError.ReadToEndAsync();
            string version = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _ = err.GetAwaiter().GetResult();
            return version.Split('\n', 2)[0].Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // The build itself will report the missing compiler.
            return "unavailable";
        }
    }

    private static string SafeName(string variant)
    {
        var sb = new StringBuilder(Math.Min(variant.Length, 40));
        foreach (char ch in variant)
        {
            if (sb.Length == 40)
            {
                break;
            }
            sb.Append(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-' ? ch : '_');
        }
        return sb.ToString();
    }

    private static string QuoteForDisplay(string arg) =>
        arg.Length > 0 && arg.All(ch => char.IsAsciiLetterOrDigit(ch) || "/._-=+,:".Contains(ch))
            ? arg
            : "'" + arg.Replace("'", "'\\''") + "'";
}
