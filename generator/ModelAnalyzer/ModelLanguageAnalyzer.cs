using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using VhostLog.Translator.Lowering;

namespace VhostLog.ModelAnalyzer;

/// <summary>
/// Reports, in the IDE and at build time, the constructs of a model function
/// that the translator would reject: it runs the translator's own lowering on
/// every method of a model state.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelLanguageAnalyzer : DiagnosticAnalyzer
{
    const string ModelStateAttribute = "VhostLog.Models.Kernel.ModelStateAttribute";
    const string KernelModel = "VhostLog.Models.Kernel.KernelModel";

    static readonly ImmutableDictionary<string, DiagnosticDescriptor> Descriptors =
        Codes.Checks.ToImmutableDictionary(c => c, c => new DiagnosticDescriptor(
            c,
            "Construct outside the VhostLog model language",
            "{0} ({1})",
            "VhostLog.ModelLanguage",
            DiagnosticSeverity.Error,
            isEnabledByDefault: true,
            description: Codes.Advice(c)));

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = [.. Descriptors.Values];

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterSymbolAction(AnalyzeMethod, SymbolKind.Method);
    }

    static void AnalyzeMethod(SymbolAnalysisContext context)
    {
        if (context.Symbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary, IsImplicitlyDeclared: false } method
            || ModelSymbols.IsExtern(method)
            || method.DeclaringSyntaxReferences.Length != 1
            || !method.ContainingType.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == ModelStateAttribute))
            return;
        var isRoot = method.ContainingType.BaseType?.ToDisplayString() == KernelModel;
        var diagnostics = new List<ModelDiagnostic>();
        ModelLowering.Lower(context.Compilation, method, isRoot, diagnostics, path => path);
        var tree = method.DeclaringSyntaxReferences[0].SyntaxTree;
        var lines = tree.GetText(context.CancellationToken).Lines;
        foreach (var d in diagnostics.Distinct())
        {
            if (!Descriptors.TryGetValue(d.Code, out var descriptor))
                continue;
            var span = d.Line >= 1 && d.Line <= lines.Count ? lines[d.Line - 1].Span : default;
            context.ReportDiagnostic(Diagnostic.Create(descriptor, Location.Create(tree, span), d.Message, Codes.Advice(d.Code)));
        }
    }
}
