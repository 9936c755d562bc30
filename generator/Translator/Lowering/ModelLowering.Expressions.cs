using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VhostLog.Translator.Ir;

namespace VhostLog.Translator.Lowering;

public sealed partial class ModelLowering
{
    IrExpr LowerExpr(ExpressionSyntax e)
    {
        switch (e)
        {
            case LiteralExpressionSyntax lit:
                return LowerLiteral(lit);
            case IdentifierNameSyntax id:
                return LowerName(id);
            case ThisExpressionSyntax:
                Report(Codes.UnsupportedExpression, e.GetFirstToken(), "'this' on its own");
                return new IrName("this");
            case MemberAccessExpressionSyntax ma:
                return LowerMemberAccess(ma);
            case ElementAccessExpressionSyntax ea when ea.ArgumentList.Arguments.Count == 1:
                var element = new IrIndex(LowerExpr(ea.Expression), LowerExpr(ea.ArgumentList.Arguments[0].Expression));
                return IsByValue(ea) ? AddressWhenUsedAsValue(ea, element) : element;
            case InvocationExpressionSyntax inv:
                return LowerCall(inv);
            case ParenthesizedExpressionSyntax p:
                return new IrParen(LowerExpr(p.Expression));
            case CastExpressionSyntax c:
                return LowerCast(c);
            case BinaryExpressionSyntax b:
                return LowerBinary(b);
            case AssignmentExpressionSyntax a when a.Right.IsKind(SyntaxKind.DefaultLiteralExpression) || a.Right is DefaultExpressionSyntax:
                return LowerZeroing(a);
            case AssignmentExpressionSyntax a:
                arithmetic.Check(a, a.OperatorToken, a.Left, a.Right);
                return new IrAssign(a.OperatorToken.Text, LowerExpr(a.Left), LowerExpr(a.Right));
            case PrefixUnaryExpressionSyntax u when u.OperatorToken.Text is "!" or "-" or "~" or "+" or "++" or "--":
                return new IrUnary(u.OperatorToken.Text, LowerExpr(u.Operand), false);
            case PostfixUnaryExpressionSyntax u when u.OperatorToken.Text is "++" or "--":
                return new IrUnary(u.OperatorToken.Text, LowerExpr(u.Operand), true);
            case PostfixUnaryExpressionSyntax u when u.IsKind(SyntaxKind.SuppressNullableWarningExpression):
                // x! only quiets C#'s null analysis (which cannot see through
                // likely()/unlikely()); it has no meaning at run time.
                return LowerExpr(u.Operand);
            case ConditionalExpressionSyntax c:
                return new IrConditional(LowerExpr(c.Condition), LowerExpr(c.WhenTrue), LowerExpr(c.WhenFalse));
            case CheckedExpressionSyntax c:
                Report(Codes.CheckedContext, c.Keyword, $"'{c.Keyword.Text}' expression");
                return LowerExpr(c.Expression);
            default:
                Report(Codes.UnsupportedExpression, e.GetFirstToken(), $"'{e.Kind()}' has no kernel-C counterpart here");
                return new IrName("/* unsupported */");
        }
    }

    /// <summary>
    /// x = default; zeroes a struct held by value: memset(&amp;x, 0,
    /// sizeof(x)) in C, which clears every byte as C#'s default does. A
    /// scalar or a pointer has its own zero (0, NULL).
    /// </summary>
    IrExpr LowerZeroing(AssignmentExpressionSyntax a)
    {
        var type = model.GetTypeInfo(a.Left).Type;
        var isStructValue = type is { TypeKind: TypeKind.Struct } && (ModelSymbols.IsKernelStruct(type) || ModelSymbols.IsAnonymousUnion(type));
        if (!a.IsKind(SyntaxKind.SimpleAssignmentExpression) || !isStructValue || a.Parent is not ExpressionStatementSyntax)
        {
            Report(Codes.UnsupportedExpression, a.Right.GetFirstToken(),
                "'default' only zeroes a kernel struct held by value, as a statement (memset); write 0 or NULL for a scalar or a pointer");
            return LowerExpr(a.Left);
        }
        var target = LowerExpr(a.Left);
        return new IrCall("memset",
            [new IrAddressOf(target), new IrLiteral("0"), new IrCall("sizeof", [target], [false], "sizeof({0})")],
            [false, false, false]);
    }

    IrExpr LowerLiteral(LiteralExpressionSyntax lit)
    {
        switch (lit.Kind())
        {
            case SyntaxKind.NumericLiteralExpression when lit.Token.Value is not (float or double or decimal):
                return new IrLiteral(lit.Token.Text);
            case SyntaxKind.TrueLiteralExpression:
            case SyntaxKind.FalseLiteralExpression:
                return new IrLiteral(lit.Token.Text);
            case SyntaxKind.NullLiteralExpression:
                return new IrLiteral("NULL");
            case SyntaxKind.StringLiteralExpression
                when lit.Parent is ArgumentSyntax && !lit.Token.Text.StartsWith('@')
                     && !System.Text.RegularExpressions.Regex.IsMatch(lit.Token.Text, @"\\[^nt""\\]"):
                // A format string handed to a kernel API; C# and C spell these
                // escapes alike.
                return new IrLiteral(lit.Token.Text);
            default:
                Report(Codes.UnsupportedExpression, lit.Token, $"literal {lit.Token.Text}");
                return new IrLiteral(lit.Token.Text);
        }
    }

    IrExpr LowerName(IdentifierNameSyntax id)
    {
        var symbol = model.GetSymbolInfo(id).Symbol;
        switch (symbol)
        {
            case IParameterSymbol p when ModelSymbols.IsRefParameter(p):
                return new IrDeref(new IrName(id.Identifier.ValueText));
            case ILocalSymbol or IParameterSymbol:
                return new IrName(id.Identifier.ValueText);
            case IFieldSymbol f when f.IsConst && ModelSymbols.IsExtern(f):
                externs.Add(f.Name);
                return new IrName(f.Name);
            case IMethodSymbol:
                return new IrName(id.Identifier.ValueText);
            default:
                Report(Codes.UnsupportedExpression, id.Identifier,
                    $"'{id.Identifier.ValueText}' is neither a local, a parameter nor an [Extern] constant");
                return new IrName(id.Identifier.ValueText);
        }
    }

    IrExpr LowerMemberAccess(MemberAccessExpressionSyntax ma)
    {
        var symbol = model.GetSymbolInfo(ma).Symbol;
        if (ma.Expression is ThisExpressionSyntax || (symbol is IFieldSymbol { IsConst: true } c && ModelSymbols.IsExtern(c)))
            return new IrName(ma.Name.Identifier.ValueText);
        if (symbol is IPropertySymbol { Name: "Value" } value && ModelSymbols.IsPtr(value.ContainingType))
            return new IrDeref(LowerExpr(ma.Expression));
        if (symbol is not IFieldSymbol field)
        {
            Report(Codes.UnsupportedExpression, ma.Name.Identifier, $"'{ma.Name}' is not a field of a kernel struct");
            return new IrName(ma.Name.Identifier.ValueText);
        }
        // Through a pointer unless the object is a struct value or a struct
        // embedded in another (vs->dev.iov_limit).
        var through = field.ContainingType.TypeKind == TypeKind.Class && !IsByValue(ma.Expression);
        var target = LowerExpr(ma.Expression);
        // A struct behind a ref parameter: indirect->len.
        if (target is IrDeref { Operand: IrName } deref && field.ContainingType.TypeKind == TypeKind.Struct)
            (target, through) = (deref.Operand, true);
        var access = new IrField(target, field.Name, through);
        return ModelSymbols.IsEmbedded(field) ? AddressWhenUsedAsValue(ma, access) : access;
    }

    /// <summary>
    /// A struct object that C holds by value although C# holds a reference: a
    /// member embedded in another struct, or an element of an array of
    /// structs (&amp;svq->scsi_cmds[i]).
    /// </summary>
    bool IsByValue(ExpressionSyntax e) => e switch
    {
        MemberAccessExpressionSyntax => model.GetSymbolInfo(e).Symbol is IFieldSymbol f && ModelSymbols.IsEmbedded(f),
        ElementAccessExpressionSyntax ea => model.GetTypeInfo(ea).Type is { TypeKind: TypeKind.Class } t && ModelSymbols.IsKernelStruct(t),
        ParenthesizedExpressionSyntax p => IsByValue(p.Expression),
        _ => false,
    };

    /// <summary>A by-value struct used as a pointer value is its address; accessed through, or passed by ref, it is itself.</summary>
    static IrExpr AddressWhenUsedAsValue(ExpressionSyntax e, IrExpr lowered)
    {
        var isAccessedThrough = e.Parent is MemberAccessExpressionSyntax outer && outer.Expression == e;
        var isRefArgument = e.Parent is ArgumentSyntax arg && arg.RefKindKeyword.IsKind(SyntaxKind.RefKeyword);
        return isAccessedThrough || isRefArgument ? lowered : new IrAddressOf(lowered);
    }

    IrExpr LowerBinary(BinaryExpressionSyntax b)
    {
        var op = b.OperatorToken.Text;
        if (op is "==" or "!=")
        {
            var isEq = op == "==";
            if (b.Right.IsKind(SyntaxKind.NullLiteralExpression))
                return new IrNullTest(LowerExpr(b.Left), isEq);
            if (b.Left.IsKind(SyntaxKind.NullLiteralExpression))
                return new IrNullTest(LowerExpr(b.Right), isEq);
            if (IsZeroLiteral(b.Right) && ModelSymbols.IsIntegral(model.GetTypeInfo(b.Left).Type))
                return new IrZeroTest(LowerExpr(b.Left), isEq);
        }
        if (op is "is" or "as" or "??")
        {
            Report(Codes.UnsupportedExpression, b.OperatorToken, $"operator '{op}'");
            return LowerExpr(b.Left);
        }
        arithmetic.Check(b, b.OperatorToken, b.Left, b.Right);
        return new IrBinary(op, LowerExpr(b.Left), LowerExpr(b.Right));
    }

    static bool IsZeroLiteral(ExpressionSyntax e) =>
        e is LiteralExpressionSyntax { Token.Value: 0 or 0u or 0L or 0UL };
}
