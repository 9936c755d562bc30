using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VhostLog.Translator.Ir;

namespace VhostLog.Translator.Lowering;

public sealed partial class ModelLowering
{
    IrExpr LowerCall(InvocationExpressionSyntax inv)
    {
        // nameof(struct.member) names a member, as container_of() needs.
        if (inv.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" } && model.GetConstantValue(inv) is { HasValue: true, Value: string member })
            return new IrName(member);
        if (model.GetSymbolInfo(inv).Symbol is not IMethodSymbol method)
        {
            Report(Codes.UnknownCall, inv.GetFirstToken(), $"cannot resolve the call '{inv.Expression}'");
            return new IrName("/* unresolved */");
        }
        var target = method.OriginalDefinition;
        if (!ModelSymbols.IsExtern(target) && !ModelSymbols.IsModelFunction(target))
        {
            Report(Codes.UnknownCall, inv.GetFirstToken(), $"'{method.Name}' is neither a model function nor an [Extern]");
        }
        else if (!ModelSymbols.IsExtern(target))
        {
            calls.Add(method.Name);
        }
        else
        {
            externs.Add(method.Name);
        }
        if (inv.Expression is MemberAccessExpressionSyntax { Expression: not ThisExpressionSyntax } ma)
            Report(Codes.UnknownCall, ma.GetFirstToken(), $"call through '{ma.Expression}'; call kernel functions by name");
        var args = inv.ArgumentList.Arguments.Select(a => LowerArgument(a, target)).ToImmutableArray();
        CheckSizeof(inv, method);
        var conditions = inv.ArgumentList.Arguments
            .Select(a => model.GetTypeInfo(a.Expression).ConvertedType?.SpecialType == SpecialType.System_Boolean)
            .ToImmutableArray();
        return new IrCall(method.Name, args, conditions, CForm(method));
    }

    /// <summary>
    /// ref x and out x both pass &amp;x. out is for a kernel API that fills
    /// the object in (iov_iter_init), which C# lets a caller hand over
    /// uninitialized; a model function takes a Ptr&lt;T&gt; instead.
    /// </summary>
    IrExpr LowerArgument(ArgumentSyntax a, IMethodSymbol target)
    {
        if (a.RefKindKeyword.IsKind(SyntaxKind.InKeyword))
            Report(Codes.UnsupportedExpression, a.RefKindKeyword, "'in' argument; pass the address with 'ref'");
        if (a.RefKindKeyword.IsKind(SyntaxKind.OutKeyword) && !ModelSymbols.IsExtern(target))
            Report(Codes.UnsupportedExpression, a.RefKindKeyword,
                $"'out' argument to {target.Name}, which is not a kernel API; pass a Ptr<T> or use 'ref'");
        var value = LowerExpr(a.Expression);
        if (!a.RefKindKeyword.IsKind(SyntaxKind.RefKeyword) && !a.RefKindKeyword.IsKind(SyntaxKind.OutKeyword))
            return value;
        // A ref parameter passed on is the pointer itself, not &*p.
        return value is IrDeref { Operand: IrName } deref ? deref.Operand : new IrAddressOf(value);
    }

    /// <summary>sizeof_value() and sizeof_struct() print C's sizeof, so the managed size they return must be the C size.</summary>
    void CheckSizeof(InvocationExpressionSyntax inv, IMethodSymbol method)
    {
        if (ModelSymbols.IsExtern(method.OriginalDefinition) && method.OriginalDefinition.Name is "sizeof_value" or "sizeof_struct"
            && method.TypeArguments is [var sized] && !ModelSymbols.HasCSize(sized))
            Report(Codes.UnsizedStruct, inv.GetFirstToken(),
                $"sizeof a {sized.Name}, whose C# layout does not give its C size: the managed size would differ");
    }

    /// <summary>An [Extern]'s [CForm] spelling with its type placeholders ({T0}, ...) filled in; null without one.</summary>
    static string? CForm(IMethodSymbol method)
    {
        var template = ModelSymbols.CForm(method.OriginalDefinition);
        if (template is not null)
            for (var t = 0; t < method.TypeArguments.Length; t++)
                template = template.Replace($"{{T{t}}}", method.TypeArguments[t].Name, StringComparison.Ordinal);
        return template;
    }
}
