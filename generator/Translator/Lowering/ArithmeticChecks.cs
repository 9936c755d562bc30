using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace VhostLog.Translator.Lowering;

/// <summary>
/// The checks that an operator computes the same in C# and in C: shift
/// counts (VL1004), signed and unsigned operands mixed (VL1005), and
/// arithmetic that passes INT_MAX after integer promotion (VL1014).
/// </summary>
sealed class ArithmeticChecks(SemanticModel model, DiagnosticSink sink)
{
    /// <summary>The counters of the for loops whose condition is being lowered (see WithCountersOf).</summary>
    readonly HashSet<ISymbol> nonNegativeCounters = new(SymbolEqualityComparer.Default);

    /// <summary>Checks a binary operation or a (compound) assignment.</summary>
    public void Check(SyntaxNode operation, SyntaxToken op, ExpressionSyntax left, ExpressionSyntax right)
    {
        CheckShift(op, left, right);
        CheckSignedness(operation, left, right);
        CheckPromotion(op, left, right);
    }

    /// <summary>
    /// Lowers a for loop's condition knowing its non-negative counters
    /// (i &lt; vq->num compares an int with a u32, which is safe for them).
    /// </summary>
    public T WithCountersOf<T>(ForStatementSyntax loop, Func<T> lowerCondition)
    {
        var counters = NonNegativeCounters(loop);
        foreach (var c in counters)
            nonNegativeCounters.Add(c);
        var condition = lowerCondition();
        foreach (var c in counters)
            nonNegativeCounters.Remove(c);
        return condition;
    }

    /// <summary>
    /// Loop counters that start at a non-negative constant, only count up in
    /// the incrementor, and are not assigned in the body: comparing them with
    /// an unsigned value means the same in C and C#.
    /// </summary>
    List<ISymbol> NonNegativeCounters(ForStatementSyntax f)
    {
        var result = new List<ISymbol>();
        foreach (var init in f.Initializers.OfType<AssignmentExpressionSyntax>())
        {
            if (!init.IsKind(SyntaxKind.SimpleAssignmentExpression) || init.Left is not IdentifierNameSyntax id)
                continue;
            if (model.GetConstantValue(init.Right) is not { HasValue: true, Value: int start } || start < 0)
                continue;
            var symbol = model.GetSymbolInfo(id).Symbol;
            if (symbol is null)
                continue;
            var countsUp = f.Incrementors.Count > 0 && f.Incrementors.All(inc => inc switch
            {
                PostfixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PostIncrementExpression) && Refers(p.Operand, symbol),
                PrefixUnaryExpressionSyntax p => p.IsKind(SyntaxKind.PreIncrementExpression) && Refers(p.Operand, symbol),
                _ => false,
            });
            var assignedInBody = f.Statement.DescendantNodesAndSelf().Any(n => n switch
            {
                AssignmentExpressionSyntax a => Refers(a.Left, symbol),
                PostfixUnaryExpressionSyntax p => Refers(p.Operand, symbol),
                PrefixUnaryExpressionSyntax p => p.OperatorToken.Text is "++" or "--" && Refers(p.Operand, symbol),
                _ => false,
            });
            if (countsUp && !assignedInBody)
                result.Add(symbol);
        }
        return result;
    }

    bool Refers(ExpressionSyntax e, ISymbol symbol) =>
        e is IdentifierNameSyntax && SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(e).Symbol, symbol);

    void CheckShift(SyntaxToken op, ExpressionSyntax left, ExpressionSyntax right)
    {
        if (op.Text is not ("<<" or ">>" or "<<=" or ">>=" or ">>>" or ">>>="))
            return;
        if (op.Text.StartsWith(">>>", StringComparison.Ordinal))
        {
            sink.Report(Codes.UnsupportedExpression, op, "'>>>' has no C counterpart");
            return;
        }
        var width = model.GetTypeInfo(left).ConvertedType?.SpecialType switch
        {
            SpecialType.System_Int64 or SpecialType.System_UInt64 => 64,
            _ => 32,
        };
        if (model.GetConstantValue(right) is not { HasValue: true, Value: int count })
            sink.Report(Codes.UnsafeShift, op, $"shift count '{right}' is not a constant");
        else if (count < 0 || count >= width)
            sink.Report(Codes.UnsafeShift, op, $"shift count {count} is outside 0..{width - 1}");
    }

    /// <summary>
    /// Both languages promote u8 and u16 operands to int. A product, or a
    /// left shift, of promoted values can then pass INT_MAX: C# wraps, C is
    /// undefined (UBSan reports it, and gcc may assume it never happens).
    /// Rejected unless the operands' widths show the result fits in 31 bits.
    /// A left shift of a signed int or s64 variable is rejected too (C: a
    /// negative value, or one shifted past the largest, is undefined), and
    /// of an s64 constant whose bits go past bit 62.
    /// </summary>
    void CheckPromotion(SyntaxToken op, ExpressionSyntax left, ExpressionSyntax right)
    {
        if (op.Text is not ("*" or "*=" or "<<" or "<<="))
            return;
        var shift = op.Text.StartsWith("<<", StringComparison.Ordinal);
        if (shift && model.GetConstantValue(left) is { HasValue: true, Value: long wide } && wide >= 0
            && model.GetConstantValue(right) is { HasValue: true, Value: int by }
            && 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)wide) + by > 63)
        {
            sink.Report(Codes.PromotedOverflow, op, $"'{left} {op.Text} {by}' passes the largest s64");
            return;
        }
        if (shift && !model.GetConstantValue(left).HasValue
            && model.GetTypeInfo(left).Type?.SpecialType is SpecialType.System_Int32 or SpecialType.System_Int64)
        {
            sink.Report(Codes.PromotedOverflow, op, $"'{left} {op.Text} {right}': a left shift of a signed value is undefined in C when the value is negative or the result passes the type's largest value");
            return;
        }
        var l = PromotedBits(left);
        if (l is null)
            return;
        if (op.Text.StartsWith("<<", StringComparison.Ordinal))
        {
            if (model.GetConstantValue(right) is { HasValue: true, Value: int count } && l + count > 31)
                sink.Report(Codes.PromotedOverflow, op, $"'{left} {op.Text} {count}': a {l}-bit value shifted by {count} can pass INT_MAX in the int C computes it in");
            return;
        }
        if (PromotedBits(right) is { } r && l + r > 31)
            sink.Report(Codes.PromotedOverflow, op, $"'{left} {op.Text} {right}': the product of a {l}-bit and a {r}-bit value can pass INT_MAX in the int C computes it in");
    }

    /// <summary>How many bits a value C promotes to int can have: its type's width (u8, u16), or a constant's own; null for the rest.</summary>
    int? PromotedBits(ExpressionSyntax e)
    {
        if (model.GetConstantValue(e) is { HasValue: true, Value: int v } && v >= 0)
            return v == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)v);
        return model.GetTypeInfo(e).Type?.SpecialType switch
        {
            SpecialType.System_Byte => 8,
            SpecialType.System_UInt16 => 16,
            _ => null,
        };
    }

    void CheckSignedness(SyntaxNode node, ExpressionSyntax left, ExpressionSyntax right)
    {
        var lt = model.GetTypeInfo(left).Type;
        var rt = model.GetTypeInfo(right).Type;
        if (!IsSmallSigned(lt) && !IsSmallSigned(rt))
            return;
        if (!IsUnsignedWide(lt) && !IsUnsignedWide(rt))
            return;
        var signedSide = IsSmallSigned(lt) ? left : right;
        if (model.GetConstantValue(signedSide) is { HasValue: true, Value: int v } && v >= 0)
            return;
        if (signedSide is IdentifierNameSyntax id && model.GetSymbolInfo(id).Symbol is { } s && nonNegativeCounters.Contains(s))
            return;
        if (model.GetSymbolInfo(signedSide).Symbol is IFieldSymbol count && ModelSymbols.IsNonNegative(count))
            return;
        // == and != agree in both languages while the unsigned value is below
        // 2^31, which a field's [UpperBound] can promise.
        var unsignedSide = signedSide == left ? right : left;
        if (node is BinaryExpressionSyntax { OperatorToken.Text: "==" or "!=" }
            && model.GetSymbolInfo(unsignedSide).Symbol is IFieldSymbol bounded
            && ModelSymbols.UpperBound(bounded) is { } bound && bound <= int.MaxValue)
            return;
        sink.Report(Codes.MixedSignedness, node.GetFirstToken(), $"'{node}' mixes a signed and an unsigned operand");
    }

    static bool IsSmallSigned(ITypeSymbol? t) =>
        t?.SpecialType is SpecialType.System_SByte or SpecialType.System_Int16 or SpecialType.System_Int32;

    static bool IsUnsignedWide(ITypeSymbol? t) => t?.SpecialType is SpecialType.System_UInt32;
}
