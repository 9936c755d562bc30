using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VhostLog.Translator.Ir;

namespace VhostLog.Translator.Lowering;

/// <summary>
/// Lowers one model method (Roslyn syntax plus semantics) to the IR, checking
/// on the way that every construct means the same in C# and in C. Statements,
/// expressions, casts and calls are lowered in the partial files named after
/// them; types, operator checks and doc comments have their own classes.
/// </summary>
public sealed partial class ModelLowering
{
    readonly SemanticModel model;
    readonly DiagnosticSink sink;
    readonly CTypeMapper types;
    readonly ArithmeticChecks arithmetic;
    readonly HashSet<string> calls = new(StringComparer.Ordinal);
    readonly HashSet<string> externs = new(StringComparer.Ordinal);

    ModelLowering(SemanticModel model, string file, List<ModelDiagnostic> diagnostics)
    {
        this.model = model;
        sink = new DiagnosticSink(file, diagnostics);
        types = new CTypeMapper(model, sink);
        arithmetic = new ArithmeticChecks(model, sink);
    }

    /// <summary>Lowers a method; problems are added to diagnostics and the result may then be partial.</summary>
    public static IrFunction Lower(ModelSources sources, IMethodSymbol method, bool isBaseline, List<ModelDiagnostic> diagnostics) =>
        Lower(sources.Compilation, method, isBaseline, diagnostics, sources.Relative);

    /// <summary>
    /// Lowers a method of any compilation (the analyzer's, at build time);
    /// relative names the file in diagnostics.
    /// </summary>
    public static IrFunction Lower(Compilation compilation, IMethodSymbol method, bool isBaseline,
        List<ModelDiagnostic> diagnostics, Func<string, string> relative)
    {
        var syntax = (MethodDeclarationSyntax)method.DeclaringSyntaxReferences.Single().GetSyntax();
        var model = compilation.GetSemanticModel(syntax.SyntaxTree);
        return new ModelLowering(model, relative(syntax.SyntaxTree.FilePath), diagnostics).LowerMethod(method, syntax, isBaseline);
    }

    IrFunction LowerMethod(IMethodSymbol method, MethodDeclarationSyntax syntax, bool isBaseline)
    {
        // The root state declares every function virtual; a later state
        // overrides what its patch changes, or declares a new virtual for a
        // function the patch adds or whose signature it changes.
        var ok = isBaseline ? method.IsVirtual && !method.IsOverride : method.IsOverride || method.IsVirtual;
        if (!ok)
            Report(Codes.NotOverridable, syntax.Identifier,
                $"{method.Name} must be {(isBaseline ? "virtual" : "an override or a new virtual")} in {method.ContainingType.Name}");
        if (syntax.Body is null)
            Report(Codes.UnsupportedStatement, syntax.Identifier, $"{method.Name} needs a block body");

        var parameters = syntax.ParameterList.Parameters
            .Select(p => new IrParam(ParameterType(p), p.Identifier.ValueText))
            .ToImmutableArray();
        var body = syntax.Body is null ? new IrBlock([], IrLayout.None) : LowerBlock(syntax.Body);
        return new IrFunction(
            method.Name,
            CFileOf(syntax.SyntaxTree.FilePath),
            method.DeclaredAccessibility != Accessibility.Public,
            types.Map(syntax.ReturnType),
            parameters,
            DocComments.Read(method),
            body,
            calls.Order(StringComparer.Ordinal).ToImmutableArray(),
            externs.Order(StringComparer.Ordinal).ToImmutableArray(),
            sink.File,
            DiagnosticSink.Line(syntax.Identifier),
            ModelSymbols.InsertAfterCandidates(method));
    }

    /// <summary>
    /// A ref parameter is C's pointer parameter (unsigned int *out_num,
    /// struct vring_desc *indirect): the model uses it as the object, C
    /// through the pointer.
    /// </summary>
    IrType ParameterType(ParameterSyntax p)
    {
        if (p.Modifiers.Any(m => m.IsKind(SyntaxKind.OutKeyword) || m.IsKind(SyntaxKind.InKeyword)))
            Report(Codes.UnsupportedType, p.Modifiers.First(), $"'{p.Modifiers.First().Text}' parameter; a model function takes 'ref' (a C pointer)");
        var type = types.Map(p.Type!);
        return p.Modifiers.Any(m => m.IsKind(SyntaxKind.RefKeyword)) ? type with { Pointer = true } : type;
    }

    /// <summary>Models of drivers/vhost/X.c live in a folder named X.</summary>
    static string CFileOf(string path)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path))) ?? "";
        return $"drivers/vhost/{folder}.c";
    }

    void Report(string code, SyntaxToken at, string message) => sink.Report(code, at, message);
}
