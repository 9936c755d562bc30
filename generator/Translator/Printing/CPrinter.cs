using System.Text;
using VhostLog.Translator.CAst;

namespace VhostLog.Translator;

/// <summary>
/// Prints the kernel-C AST in kernel style (tabs, K&amp;R braces, /* */
/// comments). Long lines are left to clang-format with the tree's style.
/// </summary>
public static class CPrinter
{
    public static string Print(CFunctionDef f)
    {
        var sb = new StringBuilder();
        foreach (var l in f.DocLines)
            sb.Append(l).Append('\n');
        sb.Append(f.Signature).Append('\n');
        sb.Append("{\n");
        PrintStatements(sb, f.Body, 1);
        sb.Append("}\n");
        return sb.ToString();
    }

    static void PrintStatements(StringBuilder sb, CBlock block, int depth)
    {
        for (var i = 0; i < block.Statements.Length; i++)
            Statement(sb, block.Statements[i], depth, first: i == 0);
    }

    static void Statement(StringBuilder sb, CStmt s, int depth, bool first)
    {
        var indent = new string('\t', depth);
        if (s.BlankBefore && !first)
            sb.Append('\n');
        Comment(sb, s.Comment, indent);
        switch (s)
        {
            case CBlock b:
                sb.Append(indent).Append("{\n");
                PrintStatements(sb, b, depth + 1);
                sb.Append(indent).Append("}\n");
                break;
            case CDecl d:
                sb.Append(indent).Append(d.Type).Append(' ')
                    .Append(string.Join(", ", d.Declarators.Select(x => x.Init is null ? x.Declarator : $"{x.Declarator} = {Expr(x.Init)}")))
                    .Append(";\n");
                break;
            case CUnionDecl u:
                sb.Append(indent).Append("union {\n");
                foreach (var m in u.Members)
                    sb.Append(indent).Append('\t').Append(m).Append(";\n");
                sb.Append(indent).Append("} ").Append(u.Declarators).Append(";\n");
                break;
            case CExprStmt e:
                sb.Append(indent).Append(Expr(e.Expr)).Append(";\n");
                break;
            case CReturn r:
                sb.Append(indent).Append(r.Value is null ? "return;" : $"return {Expr(r.Value)};").Append('\n');
                break;
            case CJump j:
                sb.Append(indent).Append(j.Keyword).Append(";\n");
                break;
            case CLabeled l:
                // Kernel style: the label in column 0, the statement at its depth.
                sb.Append(l.Label).Append(":\n");
                Statement(sb, l.Statement with { BlankBefore = false }, depth, first: true);
                break;
            case CIf i:
                sb.Append(indent).Append($"if ({Expr(i.Condition)})");
                Body(sb, i.Then, depth, i.Else is null ? "\n" : null);
                if (i.Else is not null)
                {
                    sb.Append(i.Then is CBlock ? " else" : indent + "else");
                    if (i.Else is CIf)
                    {
                        sb.Append(' ');
                        var nested = new StringBuilder();
                        Statement(nested, i.Else with { BlankBefore = false }, depth, first: true);
                        sb.Append(nested.ToString().TrimStart('\t'));
                    }
                    else
                    {
                        Body(sb, i.Else, depth, "\n");
                    }
                }
                break;
            case CFor f:
                var init = string.Join(", ", f.Init.Select(Expr));
                var step = string.Join(", ", f.Step.Select(Expr));
                var cond = f.Condition is null ? "" : Expr(f.Condition);
                var header = init.Length == 0 && cond.Length == 0 && step.Length == 0 ? "for (;;)" : $"for ({init}; {cond}; {step})";
                sb.Append(indent).Append(header);
                Body(sb, f.Body, depth, "\n");
                break;
            case CWhile w:
                sb.Append(indent).Append($"while ({Expr(w.Condition)})");
                Body(sb, w.Body, depth, "\n");
                break;
            case CDoWhile d:
                sb.Append(indent).Append("do");
                Body(sb, d.Body, depth, null);
                sb.Append(d.Body is CBlock ? " " : indent).Append($"while ({Expr(d.Condition)});\n");
                break;
            case CMacroLoop m:
                sb.Append(indent).Append($"{m.Macro}({string.Join(", ", m.Args.Select(Expr))})");
                Body(sb, m.Body, depth, "\n");
                break;
            default:
                throw new InvalidOperationException($"cannot print {s.GetType().Name}");
        }
    }

    /// <summary>A controlled statement: a block opens on the same line, anything else goes one tab deeper.</summary>
    static void Body(StringBuilder sb, CStmt body, int depth, string? after)
    {
        if (body is CBlock b && b.Comment.IsEmpty)
        {
            sb.Append(" {\n");
            PrintStatements(sb, b, depth + 1);
            sb.Append(new string('\t', depth)).Append('}');
            if (after is not null)
                sb.Append(after);
            return;
        }
        sb.Append('\n');
        Statement(sb, body with { BlankBefore = false }, depth + 1, first: true);
    }

    static void Comment(StringBuilder sb, IReadOnlyList<string> lines, string indent)
    {
        if (lines.Count == 0)
            return;
        if (lines.Count == 1)
        {
            sb.Append(indent).Append("/* ").Append(lines[0]).Append(" */\n");
            return;
        }
        sb.Append(indent).Append("/*\n");
        foreach (var l in lines)
            sb.Append(indent).Append(" * ").Append(l).Append('\n');
        sb.Append(indent).Append(" */\n");
    }

    public static string Expr(CExpr e) => e switch
    {
        CToken t => t.Text,
        CMember m => $"{Expr(m.Target)}{m.Op}{m.Member}",
        CIndex i => $"{Expr(i.Array)}[{Expr(i.Index)}]",
        CCall c => $"{c.Function}({string.Join(", ", c.Args.Select(Expr))})",
        CUnary { Postfix: true } u => $"{Expr(u.Operand)}{u.Op}",
        CUnary u => $"{u.Op}{Expr(u.Operand)}",
        CBinary b => $"{Expr(b.Left)} {b.Op} {Expr(b.Right)}",
        CConditional c => $"{Expr(c.Condition)} ? {Expr(c.WhenTrue)} : {Expr(c.WhenFalse)}",
        CCast c => $"({c.Type}){Expr(c.Operand)}",
        CParen p => $"({Expr(p.Inner)})",
        CTemplate t => t.Args.Select((a, i) => (a, i)).Aggregate(t.Template, (s, x) => s.Replace($"{{{x.i}}}", Expr(x.a), StringComparison.Ordinal)),
        _ => throw new InvalidOperationException($"cannot print {e.GetType().Name}"),
    };
}
