using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VhostLog.Translator.Ir;

namespace VhostLog.Translator.Lowering;

/// <summary>
/// The C type a model's C# type stands for: a kernel alias (u32,
/// unsigned_int), a [KernelStruct], a pointer (Ptr&lt;T&gt;, an array, a
/// class) or a user pointer (UserPtr).
/// </summary>
sealed class CTypeMapper(SemanticModel model, DiagnosticSink sink)
{
    /// <summary>Aliases whose C spelling has a space, which a C# name cannot.</summary>
    static readonly ImmutableDictionary<string, string> AliasSpelling = new Dictionary<string, string>
    {
        ["unsigned_int"] = "unsigned int",
        ["unsigned_long"] = "unsigned long",
    }.ToImmutableDictionary();

    public IrType Map(TypeSyntax syntax)
    {
        switch (syntax)
        {
            case NullableTypeSyntax n:
                return Map(n.ElementType);
            case PredefinedTypeSyntax p when p.Keyword.Text is "int" or "bool" or "void":
                return IrType.Scalar(p.Keyword.Text);
            case PredefinedTypeSyntax p:
                sink.Report(Codes.UnsupportedType, p.Keyword, $"C# type '{p.Keyword.Text}'");
                return IrType.Scalar(p.Keyword.Text);
            case IdentifierNameSyntax id when id.IsVar:
                return IrType.Scalar("var");
            case IdentifierNameSyntax id when model.GetAliasInfo(id) is { } alias:
                return IrType.Scalar(AliasSpelling.GetValueOrDefault(alias.Name, alias.Name));
            case GenericNameSyntax g when g.TypeArgumentList.Arguments.Count == 1
                                          && ModelSymbols.IsPtr(model.GetTypeInfo(g).Type):
                return Map(g.TypeArgumentList.Arguments[0]) with { Pointer = true };
            case GenericNameSyntax g when g.TypeArgumentList.Arguments.Count == 1
                                          && ModelSymbols.IsTypedUserPtr(model.GetTypeInfo(g).Type):
                return new IrType($"{Map(g.TypeArgumentList.Arguments[0]).Base} __user", true);
            case ArrayTypeSyntax a when a.RankSpecifiers.Count == 1:
                var element = Map(a.ElementType);
                return element with { Pointer = true };
            default:
                var type = model.GetTypeInfo(syntax).Type;
                if (ModelSymbols.IsUserPtr(type))
                    return new IrType("void __user", true);
                if (type is not null && ModelSymbols.IsAnonymousUnion(type))
                {
                    sink.Report(Codes.UnsupportedUnion, syntax.GetFirstToken(), $"{type.Name} is an anonymous union: C can only declare a local of it");
                    return IrType.Scalar("union");
                }
                if (type is not null && ModelSymbols.IsKernelStruct(type))
                    return new IrType($"struct {type.Name}", type.TypeKind == TypeKind.Class);
                sink.Report(Codes.UnsupportedType, syntax.GetFirstToken(), $"type '{syntax}'");
                return IrType.Scalar(syntax.ToString());
        }
    }

    /// <summary>The same C type and the same C# type (u32 and unsigned_int are both uint, yet differ in C).</summary>
    public bool Same(TypeSyntax a, TypeSyntax b) =>
        Map(a) == Map(b)
        && SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(a).Type, model.GetTypeInfo(b).Type);
}
