using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VhostLog.Translator.Ir;

namespace VhostLog.Translator.Lowering;

public sealed partial class ModelLowering
{
    IrExpr LowerCast(CastExpressionSyntax c)
    {
        var type = types.Map(c.Type);
        // A narrowing integer cast that C# demands but C performs by itself on
        // assignment is left out; casts C# does not need were written on purpose.
        var target = model.GetTypeInfo(c.Type).Type;
        var source = model.GetTypeInfo(c.Expression).Type;
        var implicitInC = ModelSymbols.IsIntegral(target) && ModelSymbols.IsIntegral(source)
                          && !model.Compilation.ClassifyConversion(source!, target!).IsImplicit
                          && c.Parent switch
                          {
                              EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax d } } =>
                                  types.Same(d.Type, c.Type),
                              // *in_num += ret: C converts ret to the target's type as C#'s cast does.
                              AssignmentExpressionSyntax a when (a.IsKind(SyntaxKind.AddAssignmentExpression) || a.IsKind(SyntaxKind.SubtractAssignmentExpression))
                                                               && a.Right == c =>
                                  SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(a.Left).Type, model.GetTypeInfo(c.Type).Type),
                              AssignmentExpressionSyntax a when a.IsKind(SyntaxKind.SimpleAssignmentExpression) && a.Right == c =>
                                  SymbolEqualityComparer.Default.Equals(model.GetTypeInfo(a.Left).Type, model.GetTypeInfo(c.Type).Type),
                              ReturnStatementSyntax r when r.Expression == c =>
                                  r.FirstAncestorOrSelf<MethodDeclarationSyntax>() is { } m && types.Same(m.ReturnType, c.Type),
                              // Only while the other side keeps its type in C: (u32)a <= (u32)b of two
                              // ints, both casts left out, would compare signed.
                              BinaryExpressionSyntax b when b.OperatorToken.Text is "==" or "!=" or "<" or ">" or "<=" or ">=" =>
                                  UsualConversion(source!, target!, model.GetTypeInfo(b.Left == c ? b.Right : b.Left).Type)
                                  && !IsDemandedIntegerCast(Unparenthesized(b.Left == c ? b.Right : b.Left)),
                              _ => false,
                          };
        return new IrCast(type, LowerExpr(c.Expression), implicitInC);
    }

    /// <summary>An integer cast C# demands (no implicit conversion): one the rules above may leave out of the C.</summary>
    bool IsDemandedIntegerCast(ExpressionSyntax e) =>
        e is CastExpressionSyntax c
        && model.GetTypeInfo(c.Type).Type is { } target && model.GetTypeInfo(c.Expression).Type is { } source
        && ModelSymbols.IsIntegral(target) && ModelSymbols.IsIntegral(source)
        && !model.Compilation.ClassifyConversion(source, target).IsImplicit;

    static ExpressionSyntax Unparenthesized(ExpressionSyntax e) =>
        e is ParenthesizedExpressionSyntax p ? Unparenthesized(p.Expression) : e;

    /// <summary>
    /// Whether C's usual arithmetic conversions turn an operand of type
    /// source, compared with one of type other, into target by themselves
    /// (ret == rsp_size converts the int to size_t): the cast C# demands
    /// then says nothing C does not already do. C widens to the other side's
    /// type when it is wider, or the same width and unsigned; below int
    /// everything is promoted first, so such targets are left alone.
    /// </summary>
    static bool UsualConversion(ITypeSymbol source, ITypeSymbol target, ITypeSymbol? other)
    {
        if (!SymbolEqualityComparer.Default.Equals(target, other))
            return false;
        int Width(ITypeSymbol t) => t.SpecialType switch
        {
            SpecialType.System_Byte or SpecialType.System_SByte => 1,
            SpecialType.System_Int16 or SpecialType.System_UInt16 => 2,
            SpecialType.System_Int32 or SpecialType.System_UInt32 => 4,
            _ => 8,
        };
        var unsignedTarget = target.SpecialType is SpecialType.System_UInt32 or SpecialType.System_UInt64;
        return Width(target) >= 4 && (Width(source) < Width(target) || (Width(source) == Width(target) && unsignedTarget));
    }
}
