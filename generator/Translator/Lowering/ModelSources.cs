using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace VhostLog.Translator.Lowering;

/// <summary>The model sources compiled by Roslyn, ready to be lowered.</summary>
public sealed class ModelSources
{
    const string ImplicitUsings =
        "global using System; global using System.Collections.Generic; global using System.Linq; global using System.Threading;";

    ModelSources(CSharpCompilation compilation, string root)
    {
        Compilation = compilation;
        Root = root;
    }

    public CSharpCompilation Compilation { get; }

    /// <summary>The models folder; model file paths are reported relative to its parent's parent (the repository).</summary>
    public string Root { get; }

    /// <summary>
    /// Compiles every .cs file under modelsDir (bin/obj excluded) plus any extra
    /// sources (tests use them to feed constructs outside the language).
    /// </summary>
    public static ModelSources Load(string modelsDir, IEnumerable<(string Path, string Text)>? extra = null)
    {
        var root = Path.GetFullPath(modelsDir);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"model folder {modelsDir} not found");
        var options = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Parse);
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(root, f))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => (Path: f, Text: File.ReadAllText(f)))
            .Concat(extra ?? [])
            .ToList();
        var trees = files
            .Select(f => CSharpSyntaxTree.ParseText(f.Text, options, f.Path))
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, options, Path.Combine(root, "<implicit-usings>.cs")))
            .ToList();
        var compilation = CSharpCompilation.Create(
            "VhostLog.Models.Translated",
            trees,
            PlatformReferences(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => new ModelDiagnostic(
                Codes.CompileError,
                RelativePath(root, d.Location.SourceTree?.FilePath ?? "?"),
                d.Location.GetLineSpan().StartLinePosition.Line + 1,
                $"{d.Id}: {d.GetMessage()}"))
            .ToList();
        if (errors.Count > 0)
            throw new ModelLanguageException(errors);
        return new ModelSources(compilation, root);
    }

    public string Relative(string path) => RelativePath(Root, path);

    static string RelativePath(string root, string path)
    {
        var repo = Path.GetDirectoryName(Path.GetDirectoryName(root)) ?? root;
        return Path.IsPathRooted(path) ? Path.GetRelativePath(repo, path) : path;
    }

    static bool IsBuildOutput(string root, string file)
    {
        var rel = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
        return rel.Contains("bin") || rel.Contains("obj");
    }

    static ImmutableArray<MetadataReference> PlatformReferences()
    {
        var tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        return tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                        || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    }
}
