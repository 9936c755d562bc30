using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using VhostLog.Translator.Ir;

namespace VhostLog.Translator.Lowering;

public sealed partial class ModelLowering
{
    IrBlock LowerBlock(BlockSyntax block) =>
        new(block.Statements.Select(LowerStatement).ToImmutableArray(), Layout(block));

    IrStmt LowerStatement(StatementSyntax s)
    {
        var layout = Layout(s);
        switch (s)
        {
            case BlockSyntax b:
                return LowerBlock(b);
            case LocalDeclarationStatementSyntax d:
                return LowerDeclaration(d, layout);
            case ExpressionStatementSyntax e:
                return new IrExprStmt(LowerExpr(e.Expression), layout);
            case IfStatementSyntax i:
                return new IrIf(LowerExpr(i.Condition), LowerStatement(i.Statement),
                    i.Else is null ? null : LowerStatement(i.Else.Statement), layout);
            case ForStatementSyntax f:
                return LowerFor(f, layout);
            case WhileStatementSyntax w:
                return new IrWhile(LowerExpr(w.Condition), LowerStatement(w.Statement), layout);
            case DoStatementSyntax d:
                return new IrDoWhile(LowerStatement(d.Statement), LowerExpr(d.Condition), layout);
            case ForEachStatementSyntax fe:
                return LowerForeach(fe, layout);
            case ReturnStatementSyntax r:
                return new IrReturn(r.Expression is null ? null : LowerExpr(r.Expression), layout);
            case BreakStatementSyntax:
                return new IrBreak(layout);
            case ContinueStatementSyntax:
                return new IrContinue(layout);
            case GotoStatementSyntax g when g.IsKind(SyntaxKind.GotoStatement) && g.Expression is IdentifierNameSyntax label:
                return new IrGoto(label.Identifier.ValueText, layout);
            case LabeledStatementSyntax l:
                return new IrLabeled(l.Identifier.ValueText, LowerStatement(l.Statement), layout);
            case CheckedStatementSyntax c:
                Report(Codes.CheckedContext, c.Keyword, $"'{c.Keyword.Text}' block");
                return LowerBlock(c.Block);
            default:
                Report(Codes.UnsupportedStatement, s.GetFirstToken(), $"'{s.Kind()}' has no kernel-C counterpart here");
                return new IrBlock([], layout);
        }
    }

    IrStmt LowerDeclaration(LocalDeclarationStatementSyntax d, IrLayout layout)
    {
        if (d.Declaration.Type.IsVar)
            Report(Codes.ImplicitType, d.Declaration.Type.GetFirstToken(), "'var' hides the C type");
        if (model.GetTypeInfo(d.Declaration.Type).Type is INamedTypeSymbol union && ModelSymbols.IsAnonymousUnion(union))
            return LowerUnionDeclaration(d, union, layout);
        var type = types.Map(d.Declaration.Type);
        var declarators = d.Declaration.Variables
            .Select(v => new IrDeclarator(v.Identifier.ValueText, v.Initializer is null ? null : LowerExpr(v.Initializer.Value)))
            .ToImmutableArray();
        return new IrDecl(type, declarators, layout);
    }

    /// <summary>
    /// union { struct a x; struct b y; } rsp; C overlaps the members, so the
    /// C# struct must too (explicit layout, every member at offset 0), and a
    /// member must be something C can hold by value.
    /// </summary>
    IrStmt LowerUnionDeclaration(LocalDeclarationStatementSyntax d, INamedTypeSymbol union, IrLayout layout)
    {
        var at = d.Declaration.Type.GetFirstToken();
        if (union.TypeKind != TypeKind.Struct || !ModelSymbols.HasExplicitLayout(union))
            Report(Codes.UnsupportedUnion, at, $"{union.Name} is not a struct with [StructLayout(LayoutKind.Explicit)]: its members would not overlap in C#");
        var members = ImmutableArray.CreateBuilder<IrParam>();
        foreach (var f in union.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst))
        {
            if (ModelSymbols.FieldOffset(f) != 0)
                Report(Codes.UnsupportedUnion, at, $"{union.Name}.{f.Name} is not at [FieldOffset(0)]: C puts every union member at offset 0");
            if (f.Type.TypeKind == TypeKind.Struct && ModelSymbols.IsKernelStruct(f.Type))
                members.Add(new IrParam(new IrType($"struct {f.Type.Name}", false), f.Name));
            else if (ModelSymbols.IsIntegral(f.Type) && f.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is VariableDeclaratorSyntax
                     { Parent: VariableDeclarationSyntax decl })
                members.Add(new IrParam(types.Map(decl.Type), f.Name));
            else
                Report(Codes.UnsupportedUnion, at, $"{union.Name}.{f.Name} is neither a kernel struct held by value nor an integer");
        }
        foreach (var v in d.Declaration.Variables.Where(v => v.Initializer is not null))
            Report(Codes.UnsupportedUnion, v.Identifier, $"'{v.Identifier.ValueText}' has an initializer; zero it with '{v.Identifier.ValueText} = default;' (memset)");
        return new IrUnionDecl(members.ToImmutable(), d.Declaration.Variables.Select(v => v.Identifier.ValueText).ToImmutableArray(), layout);
    }

    IrStmt LowerFor(ForStatementSyntax f, IrLayout layout)
    {
        if (f.Declaration is not null)
            Report(Codes.UnsupportedStatement, f.Declaration.GetFirstToken(), "declaration in a for initializer; declare the counter before the loop");
        var condition = arithmetic.WithCountersOf<IrExpr?>(f, () => f.Condition is null ? null : LowerExpr(f.Condition));
        return new IrFor(
            f.Initializers.Select(LowerExpr).ToImmutableArray(),
            condition,
            f.Incrementors.Select(LowerExpr).ToImmutableArray(),
            LowerStatement(f.Statement),
            layout);
    }

    IrStmt LowerForeach(ForEachStatementSyntax fe, IrLayout layout)
    {
        if (fe.Expression is not InvocationExpressionSyntax inv
            || model.GetSymbolInfo(inv).Symbol is not IMethodSymbol { Name: "list_for_each_entry" } walk
            || !ModelSymbols.IsExtern(walk.OriginalDefinition)
            || inv.ArgumentList.Arguments.Count != 1)
        {
            Report(Codes.UnsupportedForeach, fe.ForEachKeyword, "foreach over something other than list_for_each_entry(head)");
            return new IrBlock([], layout);
        }
        if (fe.Type.IsVar)
            Report(Codes.ImplicitType, fe.Type.GetFirstToken(), "'var' hides the C type");
        var entryType = model.GetTypeInfo(fe.Type).Type;
        var link = entryType?.GetMembers().OfType<IFieldSymbol>()
            .FirstOrDefault(f => f.Type.Name == "list_head" && f.Type is INamedTypeSymbol { IsGenericType: false });
        if (link is null)
        {
            Report(Codes.UnsupportedForeach, fe.Type.GetFirstToken(), $"{entryType?.Name} has no list_head member to walk by");
            return new IrBlock([], layout);
        }
        return new IrListWalk(
            fe.Identifier.ValueText,
            types.Map(fe.Type),
            LowerExpr(inv.ArgumentList.Arguments[0].Expression),
            link.Name,
            LowerStatement(fe.Statement),
            layout);
    }

    /// <summary>
    /// The blank line and the comment lines before a statement, which the C
    /// keeps; a comment after it on its line has no place in the C.
    /// </summary>
    IrLayout Layout(SyntaxNode node)
    {
        var first = node.GetFirstToken();
        var blank = false;
        var seenComment = false;
        var comment = ImmutableArray.CreateBuilder<string>();
        foreach (var t in first.LeadingTrivia)
        {
            if (t.IsKind(SyntaxKind.EndOfLineTrivia) && !seenComment)
                blank = true;
            else if (t.IsKind(SyntaxKind.SingleLineCommentTrivia))
            {
                seenComment = true;
                comment.Add(t.ToString()[2..].Trim());
            }
            else if (t.IsKind(SyntaxKind.MultiLineCommentTrivia))
            {
                seenComment = true;
                var text = t.ToString()[2..^2];
                comment.AddRange(text.Split('\n').Select(l => l.Trim().TrimStart('*').Trim()).Where(l => l.Length > 0));
            }
        }
        foreach (var t in node.GetLastToken().TrailingTrivia)
            if (t.IsKind(SyntaxKind.SingleLineCommentTrivia) || t.IsKind(SyntaxKind.MultiLineCommentTrivia))
                Report(Codes.UnsupportedComment, node.GetLastToken(), "comment at the end of a line");
        return new IrLayout(blank, comment.ToImmutable());
    }
}
