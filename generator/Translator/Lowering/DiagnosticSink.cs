using Microsoft.CodeAnalysis;

namespace VhostLog.Translator.Lowering;

/// <summary>Collects the diagnostics of one model file, each at the line of a token.</summary>
sealed class DiagnosticSink(string file, List<ModelDiagnostic> diagnostics)
{
    public string File => file;

    public void Report(string code, SyntaxToken at, string message) =>
        diagnostics.Add(new ModelDiagnostic(code, file, Line(at), message));

    public static int Line(SyntaxToken t) => t.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
}
