using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.RegularExpressions;
using VhostLog.KernelTree;
using VhostLog.Translator;
using VhostLog.Translator.Lowering;

namespace VhostLog.TranslationValidation;

/// <param name="CheckedOracle">
/// C# runs each program's oracle, its signed arithmetic checked (the
/// default); false runs the program as written, so that a test can show
/// the signed overflows the oracle keeps out of the comparison
/// </param>
public sealed record FuzzOptions(int Programs, int Seed, int CallsPerProgram = 8, int Batch = 500, bool CheckedOracle = true);

/// <summary>A program whose C gives another answer than its C#, with both texts, the call and both answers.</summary>
public sealed record FuzzMismatch(FuzzFunction Program, string C, string Call, ImmutableArray<ulong> Arguments, string Model, string Native)
{
    public string Function => Program.Name;

    public string CSharp => Program.Source;
}

/// <summary>A program the language accepts whose C gcc flags: undefined behaviour (UBSan) or -Wparentheses.</summary>
public sealed record FuzzFinding(string Function, string CSharp, string C, string Report);

/// <param name="Overflowing">calls whose signed arithmetic overflows in the checked C# oracle: outside the language's precondition, not compared</param>
public sealed record FuzzResult(
    int Programs,
    int Calls,
    int Overflowing,
    ImmutableArray<string> Rejected,
    ImmutableArray<FuzzMismatch> Mismatches,
    ImmutableArray<FuzzFinding> Findings)
{
    public bool Passed => Mismatches.IsEmpty && Findings.IsEmpty;
}

/// <summary>
/// Translation validation: random model functions (ProgramGenerator) are
/// translated to C, compiled with gcc (-O0 and -O2, UBSan on, -Wparentheses
/// an error) and run beside the C# on the same arguments; the return value
/// and every value written through a ref or a Ptr must agree.
/// </summary>
public static partial class TranslationValidator
{
    const string Prelude = """
        #include <stdio.h>
        #include <stddef.h>
        typedef unsigned char u8;
        typedef unsigned short u16;
        typedef unsigned int u32;
        typedef unsigned long long u64;
        typedef int s32;
        typedef long long s64;
        #define likely(x) __builtin_expect(!!(x), 1)
        #define unlikely(x) __builtin_expect(!!(x), 0)
        /* The kernel's min() and max() also check that both types are the same; the generator only passes such pairs. */
        #define min(x, y) ((x) < (y) ? (x) : (y))
        #define max(x, y) ((x) > (y) ? (x) : (y))

        """;

    /// <param name="printer">the C printer to validate (null: the kernel printer)</param>
    public static FuzzResult Run(string modelsDir, FuzzOptions options, string workDir, CPrinter? printer = null,
        IProgress<string>? progress = null, CancellationToken cancel = default)
    {
        var calls = 0;
        var overflowing = 0;
        var rejected = ImmutableArray.CreateBuilder<string>();
        var mismatches = ImmutableArray.CreateBuilder<FuzzMismatch>();
        var findings = ImmutableArray.CreateBuilder<FuzzFinding>();
        var generator = new ProgramGenerator(options.Seed);
        var inputs = new Random(options.Seed ^ 0x5eed);
        Directory.CreateDirectory(workDir);
        for (var start = 0; start < options.Programs; start += options.Batch)
        {
            cancel.ThrowIfCancellationRequested();
            var count = Math.Min(options.Batch, options.Programs - start);
            progress?.Report($"programs {start + 1}..{start + count}");
            var functions = Enumerable.Range(start, count).Select(i => generator.Function($"fuzz_{i}")).ToList();
            var batch = RunBatch(modelsDir, functions, f => Enumerable.Range(0, options.CallsPerProgram)
                .Select(_ => f.Params.SelectMany(p => Enumerable.Range(0, p.Slots).Select(_ => Value(inputs, p.Type))).ToArray()).ToList(), Path.Combine(workDir, $"batch-{start}"), printer, cancel,
                options.CheckedOracle);
            calls += batch.Calls;
            overflowing += batch.Overflowing;
            rejected.AddRange(batch.Rejected);
            mismatches.AddRange(batch.Mismatches);
            findings.AddRange(batch.Findings);
        }
        return new FuzzResult(options.Programs, calls, overflowing, rejected.ToImmutable(), mismatches.ToImmutable(), findings.ToImmutable());
    }

    sealed record Batch(int Calls, int Overflowing, List<string> Rejected, List<FuzzMismatch> Mismatches, List<FuzzFinding> Findings);

    static Batch RunBatch(string modelsDir, List<FuzzFunction> functions, Func<FuzzFunction, List<ulong[]>> arguments, string dir,
        CPrinter? printer, CancellationToken cancel, bool checkedOracle = true)
    {
        Directory.CreateDirectory(dir);
        var rejected = new List<string>();
        var path = Path.Combine(Path.GetFullPath(modelsDir), "vhost", "fuzz_programs.cs");
        // Programs the language rejects are left out with their VL code, and the rest translated.
        ModelSources sources;
        ImmutableArray<CFunction> translated;
        static string File(IEnumerable<string> methods) =>
            "using VhostLog.Models.Kernel;\n\nnamespace VhostLog.Models;\n\npublic partial class Baseline\n{\n" +
            string.Concat(methods.Select(m => m + "\n")) + "}\n";
        while (true)
        {
            var text = File(functions.Select(f => f.Source));
            try
            {
                sources = ModelSources.Load(modelsDir, [(path, text)]);
                translated = new Translation(sources, null, printer).Translate("Baseline");
                break;
            }
            catch (ModelLanguageException e)
            {
                var lines = text.Split('\n');
                var bad = e.Diagnostics.Select(d => (d, f: FunctionAt(functions, lines, d.Line))).ToList();
                if (bad.Any(x => x.f is null))
                    throw new InvalidOperationException("the program generator wrote C# the models do not compile with:\n" + string.Join("\n", e.Diagnostics));
                foreach (var (d, f) in bad)
                    rejected.Add($"{f!.Name}: {d.Code} {d.Message}");
                functions = functions.Except(bad.Select(x => x.f!)).ToList();
            }
        }

        var byName = translated.Where(f => f.Name.StartsWith("fuzz_", StringComparison.Ordinal)).ToDictionary(f => f.Name, StringComparer.Ordinal);
        var args = functions.ToDictionary(f => f.Name, arguments);
        // C# runs the oracle: the same functions, their signed arithmetic checked.
        var expected = RunCSharp(ModelSources.Load(modelsDir, [(path, File(functions.Select(f => checkedOracle ? f.Oracle : f.Source)))]), functions, args);

        var mismatches = new List<FuzzMismatch>();
        var findings = new List<FuzzFinding>();
        FuzzFunction Named(string name) => functions.First(f => f.Name == name);
        string[] levels = ["-O0", "-O2"];
        var source = Path.Combine(dir, "programs.c");
        var compiled = functions;
        List<(int Line, string Function)> lineOf;
        while (true)
        {
            lineOf = WriteC(source, compiled, byName, args);
            // Both optimisation levels build side by side (gcc is most of the time).
            var builds = levels.AsParallel().AsOrdered().Select(level => ProcessRunner.Run("gcc",
                ["-std=gnu11", level, "-fsanitize=undefined", "-Wall", "-Wno-unused-variable", "-Wno-unused-but-set-variable",
                 "-Wno-unused-function", "-Werror=parentheses", "-o", Path.Combine(dir, $"programs{level}"), source], dir,
                timeout: TimeSpan.FromMinutes(5), cancel: cancel)).ToList();
            if (builds.All(b => b.Ok))
                break;
            // A program gcc refuses (-Werror=parentheses) is a finding; the others are built again without it.
            var refused = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (level, build) in levels.Zip(builds).Where(x => !x.Second.Ok))
                foreach (Match m in Diagnostic().Matches(build.Stderr))
                {
                    var name = FunctionAt(lineOf, int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture));
                    if (name != "main" && refused.Add(name) && findings.All(x => x.Function != name))
                        findings.Add(new FuzzFinding(name, Named(name).Source, byName[name].Text, $"gcc {level}: {m.Value}"));
                }
            if (refused.Count == 0)
                throw new InvalidOperationException($"the translated programs do not compile ({source}):\n{builds.First(b => !b.Ok).Stderr}");
            compiled = compiled.Where(f => !refused.Contains(f.Name)).ToList();
        }
        var built = compiled.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var level in levels)
        {
            cancel.ThrowIfCancellationRequested();
            var binary = Path.Combine(dir, $"programs{level}");
            var run = ProcessRunner.Run(binary, [], dir, new Dictionary<string, string> { ["UBSAN_OPTIONS"] = "print_stacktrace=0" },
                TimeSpan.FromMinutes(2), cancel: cancel);
            // Each call says which it is on stderr before it runs, so a report is the call's.
            string? current = null;
            foreach (var l in run.Stderr.Split('\n'))
            {
                if (l.StartsWith(CallMarker, StringComparison.Ordinal))
                {
                    current = l[CallMarker.Length..];
                    continue;
                }
                if (Diagnostic().Match(l) is not { Success: true } m)
                    continue;
                // The call breaks the precondition (the oracle overflowed): C's undefined behaviour is expected there.
                if (current is not null && expected.TryGetValue(current, out var oracle) && oracle.EndsWith(Overflow, StringComparison.Ordinal))
                    continue;
                var name = current?.Split(' ')[0] ?? FunctionAt(lineOf, int.Parse(m.Groups["line"].Value, CultureInfo.InvariantCulture));
                if (findings.All(x => x.Function != name))
                    findings.Add(new FuzzFinding(name, name == "main" ? "" : Named(name).Source, name == "main" ? "" : byName[name].Text, $"UBSan {level}: {m.Value}"));
            }
            var actual = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)], l => l, StringComparer.Ordinal);
            foreach (var (key, line) in expected)
            {
                actual.TryGetValue(key, out var got);
                if (got == line || line.EndsWith(Overflow, StringComparison.Ordinal))
                    continue;
                var name = key.Split(' ')[0];
                // gcc refused it (a finding already): it has no output to compare.
                if (!built.Contains(name))
                    continue;
                if (mismatches.Any(x => x.Function == name))
                    continue;
                var call = int.Parse(key.Split(' ')[1], CultureInfo.InvariantCulture);
                mismatches.Add(new FuzzMismatch(Named(name), byName[name].Text, $"{key} ({level})", [.. args[name][call]], line,
                    got ?? $"no output (exit {run.ExitCode})"));
            }
        }
        return new Batch(compiled.Sum(f => args[f.Name].Count),
            expected.Count(kv => kv.Value.EndsWith(Overflow, StringComparison.Ordinal) && built.Contains(kv.Key.Split(' ')[0])),
            rejected, mismatches, findings);
    }

    /// <summary>Writes the C of the programs and a driver that makes the calls; returns where each function starts.</summary>
    static List<(int Line, string Function)> WriteC(string path, List<FuzzFunction> functions, Dictionary<string, CFunction> byName,
        Dictionary<string, List<ulong[]>> args)
    {
        var c = new StringBuilder(Prelude);
        var lineOf = new List<(int Line, string Function)>();
        var line = Prelude.Count(ch => ch == '\n') + 1;
        foreach (var f in functions)
        {
            lineOf.Add((line, f.Name));
            c.Append(byName[f.Name].Text).Append('\n');
            line += byName[f.Name].Text.Count(ch => ch == '\n') + 1;
        }
        lineOf.Add((line, "main"));
        // The calls of each program in a function of their own: one main of
        // thousands of calls takes gcc -O2 minutes (its cost grows faster
        // than the function's size).
        foreach (var f in functions)
        {
            c.Append($"static void __attribute__((noinline)) call_{f.Name}(void)\n{{\n");
            for (var j = 0; j < args[f.Name].Count; j++)
                c.Append(Call(f, j, args[f.Name][j]));
            c.Append("}\n\n");
        }
        c.Append("int main(void)\n{\n");
        foreach (var f in functions)
            c.Append($"\tcall_{f.Name}();\n");
        c.Append("\treturn 0;\n}\n");
        File.WriteAllText(path, c.ToString());
        return lineOf;
    }

    static string FunctionAt(List<(int Line, string Function)> lineOf, int line) =>
        lineOf.LastOrDefault(x => x.Line <= line).Function ?? "main";

    /// <summary>
    /// The smallest form of a mismatching program line deletion reaches:
    /// each round tries the program without each of its body lines (all of
    /// them in one batch), keeps the first that still gives another answer
    /// in C on the failing call, and stops when none does.
    /// </summary>
    public static FuzzMismatch Shrink(string modelsDir, FuzzFunction function, ulong[] call, string workDir, CPrinter? printer = null,
        CancellationToken cancel = default)
    {
        var lines = function.Source.TrimEnd('\n').Split('\n').ToList();
        // The oracle has the same lines, some spelled with checked(...).
        var oracleLines = function.Oracle.TrimEnd('\n').Split('\n').ToList();
        var smallest = RunBatch(modelsDir, [function], _ => [call], Path.Combine(workDir, "shrink"), printer, cancel).Mismatches.FirstOrDefault()
            ?? throw new InvalidOperationException($"{function.Name} does not mismatch on its own");
        var current = function.Name;
        for (var round = 0; round < 64; round++)
        {
            cancel.ThrowIfCancellationRequested();
            // Body lines only (not the signature, the braces around the body or
            // the last return), and none that opens or closes a block.
            var candidates = Enumerable.Range(2, Math.Max(0, lines.Count - 4))
                .Where(i => !lines[i].Contains('{', StringComparison.Ordinal) && !lines[i].Contains('}', StringComparison.Ordinal))
                .Select(i => function with
                {
                    Name = $"{function.Name}_s{round}_{i}",
                    Source = string.Join('\n', lines.Where((_, k) => k != i)).Replace($" {current}(", $" {function.Name}_s{round}_{i}(", StringComparison.Ordinal) + "\n",
                    Oracle = string.Join('\n', oracleLines.Where((_, k) => k != i)).Replace($" {current}(", $" {function.Name}_s{round}_{i}(", StringComparison.Ordinal) + "\n",
                })
                .ToList();
            if (candidates.Count == 0)
                break;
            var batch = RunBatch(modelsDir, candidates, _ => [call], Path.Combine(workDir, $"shrink-{round}"), printer, cancel);
            var next = candidates.FirstOrDefault(c => batch.Mismatches.Any(m => m.Function == c.Name));
            if (next is null)
                break;
            smallest = batch.Mismatches.First(m => m.Function == next.Name);
            current = next.Name;
            lines = next.Source.TrimEnd('\n').Split('\n').ToList();
            oracleLines = next.Oracle.TrimEnd('\n').Split('\n').ToList();
        }
        return smallest;
    }

    [GeneratedRegex(@"programs\.c:(?<line>\d+):\d+: (?:runtime error|error|warning): [^\n]*")]
    private static partial Regex Diagnostic();

    static FuzzFunction? FunctionAt(List<FuzzFunction> functions, string[] lines, int line)
    {
        FuzzFunction? current = null;
        for (var i = 0; i < Math.Min(line, lines.Length); i++)
            if (functions.FirstOrDefault(f => lines[i].Contains($" {f.Name}(", StringComparison.Ordinal)) is { } f)
                current = f;
        return current;
    }

    /// <summary>Arguments: small numbers, the type's limits, and anything in between.</summary>
    /// <summary>An argument, as the bits of its type: small, near the ends of the range, a power of two, or any.</summary>
    static ulong Value(Random random, FuzzType t) => random.Next(6) switch
    {
        0 => (ulong)random.Next(0, 8),
        1 => (t.Max - (ulong)random.Next(0, 3)) & t.Mask,
        2 => 1UL << random.Next(t.Bits),
        3 when t.Signed => (t.Min + (ulong)random.Next(0, 3)) & t.Mask,
        4 when t.Signed => (ulong)-random.Next(1, 8) & t.Mask,
        _ => (ulong)random.NextInt64() & t.Mask,
    };

    const string CallMarker = "@call ";

    /// <summary>How the oracle's answer ends when a call's signed arithmetic overflowed.</summary>
    const string Overflow = ": signed overflow (outside the precondition)";

    /// <summary>One call in the driver: its arguments, then "name j: return value, then every ref and Ptr value".</summary>
    static string Call(FuzzFunction f, int j, ulong[] values)
    {
        var s = new StringBuilder($"\t{{\n\t\tfprintf(stderr, \"{CallMarker}{f.Name} {j}\\n\");\n");
        var actual = new List<string>();
        var written = new List<string>();
        var slot = 0;
        for (var k = 0; k < f.Params.Length; k++)
        {
            var p = f.Params[k];
            if (p.Kind == FuzzKind.Array)
            {
                var elements = Enumerable.Range(0, p.Slots).Select(e => $"in{k}_{e}").ToList();
                foreach (var (name, e) in elements.Select((n, e) => (n, e)))
                    s.Append($"\t\tvolatile {p.Type.C} {name} = {p.Type.Constant(values[slot + e])};\n");
                s.Append($"\t\t{p.Type.C} v{k}[{p.Slots}] = {{ {string.Join(", ", elements)} }};\n");
                actual.Add($"v{k}");
                written.AddRange(Enumerable.Range(0, p.Slots).Select(e => $"v{k}[{e}]"));
                slot += p.Slots;
                continue;
            }
            s.Append($"\t\tvolatile {p.Type.C} in{k} = {p.Type.Constant(values[slot++])};\n");
            if (p.Kind == FuzzKind.Value)
            {
                actual.Add($"in{k}");
                continue;
            }
            s.Append($"\t\t{p.Type.C} v{k} = in{k};\n");
            actual.Add($"&v{k}");
            written.Add($"v{k}");
        }
        s.Append($"\t\tunsigned long long ret = {f.Name}({string.Join(", ", actual)});\n");
        s.Append($"\t\tprintf(\"{f.Name} {j}: %llu{string.Concat(written.Select(_ => " %llu"))}\\n\", ret{string.Concat(written.Select(w => $", (unsigned long long){w}"))});\n");
        s.Append("\t}\n");
        return s.ToString();
    }

    /// <summary>The same calls on the C# (the models' compilation, emitted and loaded for this batch).</summary>
    static Dictionary<string, string> RunCSharp(ModelSources sources, List<FuzzFunction> functions, Dictionary<string, List<ulong[]>> args)
    {
        using var image = new MemoryStream();
        var emitted = sources.Compilation.Emit(image);
        if (!emitted.Success)
            throw new InvalidOperationException("the models do not emit: " + string.Join("\n", emitted.Diagnostics));
        image.Position = 0;
        var context = new AssemblyLoadContext("fuzz", isCollectible: true);
        try
        {
            var assembly = context.LoadFromStream(image);
            var type = assembly.GetType("VhostLog.Models.Baseline") ?? throw new InvalidOperationException("no Baseline in the emitted models");
            var model = Activator.CreateInstance(type)!;
            var ptr = assembly.GetType("VhostLog.Models.Kernel.Ptr`1") ?? throw new InvalidOperationException("no Ptr<T> in the emitted models");
            var results = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var f in functions)
            {
                var method = type.GetMethod(f.Name, BindingFlags.Instance | BindingFlags.NonPublic)!;
                for (var j = 0; j < args[f.Name].Count; j++)
                {
                    var values = args[f.Name][j];
                    var slot = 0;
                    var call = f.Params.Select(p =>
                    {
                        var first = slot;
                        slot += p.Slots;
                        return p.Kind switch
                        {
                            FuzzKind.Ptr => Activator.CreateInstance(ptr.MakeGenericType(Clr(p.Type)), Box(values[first], p.Type)),
                            FuzzKind.Array => ArrayOf(p.Type, values.AsSpan(first, p.Slots)),
                            _ => Box(values[first], p.Type),
                        };
                    }).ToArray();
                    string line;
                    try
                    {
                        var ret = Bits(method.Invoke(model, call));
                        var written = f.Params.SelectMany((p, k) => p.Kind switch
                        {
                            FuzzKind.Ref => [Bits(call[k])],
                            FuzzKind.Ptr => [Bits(call[k]!.GetType().GetProperty("Value")!.GetValue(call[k]))],
                            FuzzKind.Array => ((Array)call[k]!).Cast<object>().Select(Bits),
                            _ => [],
                        }).Select(v => v.ToString(CultureInfo.InvariantCulture));
                        line = $"{f.Name} {j}: {ret.ToString(CultureInfo.InvariantCulture)}{string.Concat(written.Select(w => " " + w))}";
                    }
                    catch (TargetInvocationException e) when (e.InnerException is OverflowException)
                    {
                        line = $"{f.Name} {j}{Overflow}";
                    }
                    catch (TargetInvocationException e)
                    {
                        line = $"{f.Name} {j}: C# threw {e.InnerException?.GetType().Name}";
                    }
                    results[$"{f.Name} {j}"] = line;
                }
            }
            return results;
        }
        finally
        {
            context.Unload();
        }
    }

    static Type Clr(FuzzType t) => (t.Bits, t.Signed) switch
    {
        (8, _) => typeof(byte),
        (16, _) => typeof(ushort),
        (32, false) => typeof(uint),
        (32, true) => typeof(int),
        (_, false) => typeof(ulong),
        _ => typeof(long),
    };

    static Array ArrayOf(FuzzType t, ReadOnlySpan<ulong> values)
    {
        var array = Array.CreateInstance(Clr(t), values.Length);
        for (var e = 0; e < values.Length; e++)
            array.SetValue(Box(values[e], t), e);
        return array;
    }

    /// <summary>A value as C prints it through (unsigned long long): signed ones sign-extended.</summary>
    static ulong Bits(object? v) => v switch
    {
        byte b => b,
        ushort u => u,
        uint u => u,
        ulong u => u,
        int i => unchecked((ulong)i),
        long l => unchecked((ulong)l),
        _ => throw new InvalidOperationException($"a fuzz value of type {v?.GetType().Name ?? "null"}"),
    };

    static object Box(ulong v, FuzzType t) => (t.Bits, t.Signed) switch
    {
        (8, _) => (object)(byte)v,
        (16, _) => (object)(ushort)v,
        (32, false) => (object)(uint)v,
        (32, true) => (object)unchecked((int)(uint)v),
        (_, false) => (object)v,
        _ => (object)unchecked((long)v),
    };
}
