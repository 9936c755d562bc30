using System.Text;
using VhostLog.Translator.CAst;

namespace VhostLog.Translator;

/// <summary>
/// Prints the kernel-C AST in kernel style (tabs, K&amp;R braces, /* */
/// comments). Long lines are left to clang-format with the tree's style.
/// </summary>
public sealed class CPrinter(CPrecedence precedence)
{
    public static CPrinter Kernel { get; } = new(CPrecedence.C);

    public string Print(CFunctionDef f)
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

    void PrintStatements(StringBuilder sb, CBlock block, int depth)
    {
        for (var i = 0; i < block.Statements.Length; i++)
            Statement(sb, block.Statements[i], depth, first: i == 0);
    }

    void Statement(StringBuilder sb, CStmt s, int depth, bool first)
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
                // An if inside an if-else without braces would take the else
                // (C binds it to the nearest if), and an if-else inside an if
                // is gcc's -Wparentheses "ambiguous else": braces in both.
                var then = i.Then is CIf inner && (i.Else is not null || inner.Else is not null)
                    ? new CBlock([i.Then], false, [])
                    : i.Then;
                Body(sb, then, depth, i.Else is null ? "\n" : null);
                if (i.Else is not null)
                {
                    sb.Append(then is CBlock ? " else" : indent + "else");
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
    void Body(StringBuilder sb, CStmt body, int depth, string? after)
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

    /// <summary>An expression as a full expression (a statement, an initialiser, a condition).</summary>
    public string Expr(CExpr e) => Operand(e, COperators.Comma);

    /// <summary>
    /// An expression where C needs at least <paramref name="level"/>: in
    /// parentheses when it binds more loosely, so the C parses as the AST
    /// says. Every parenthesis the printer adds is decided here.
    /// </summary>
    string Operand(CExpr e, int level, CExpr? parent = null) =>
        precedence.Level(e) < level || (parent is not null && precedence.Clarify(parent, e)) ? $"({Bare(e)})" : Bare(e);

    string Bare(CExpr e) => e switch
    {
        CToken t => t.Text,
        CMember m => $"{Operand(m.Target, COperators.Postfix)}{(m.Arrow ? "->" : ".")}{m.Member}",
        CIndex i => $"{Operand(i.Array, COperators.Postfix)}[{Expr(i.Index)}]",
        CCall c => $"{c.Function}({string.Join(", ", c.Args.Select(a => Operand(a, COperators.Assignment)))})",
        CUnary u when COperators.IsPostfix(u.Op) => $"{Operand(u.Operand, COperators.Postfix)}{COperators.Spelling(u.Op)}",
        CUnary u => Prefix(u),
        CBinary b when precedence.IsAssignment(b.Op) =>
            $"{Operand(b.Left, COperators.Unary)} {COperators.Spelling(b.Op)} {Operand(b.Right, COperators.Assignment, b)}",
        CBinary b => $"{Operand(b.Left, precedence.Level(b.Op), b)} {COperators.Spelling(b.Op)} {Operand(b.Right, precedence.Level(b.Op) + 1, b)}",
        CConditional c => $"{Operand(c.Condition, COperators.LogOr, c)} ? {Operand(c.WhenTrue, COperators.Assignment, c)} : {Operand(c.WhenFalse, COperators.Conditional, c)}",
        CCast c => $"({c.Type}){Operand(c.Operand, COperators.Unary)}",
        CTemplate t => Template(t),
        _ => throw new InvalidOperationException($"cannot print {e.GetType().Name}"),
    };

    /// <summary>A prefix operator; -(-x), +(+x) and &amp;(&amp;x) keep their parentheses, or they would print as --, ++ and &amp;&amp;.</summary>
    string Prefix(CUnary u)
    {
        var op = COperators.Spelling(u.Op);
        var operand = Operand(u.Operand, COperators.Unary);
        return operand.Length > 0 && operand[0] == op[^1] && op[^1] is '-' or '+' or '&' ? $"{op}({operand})" : op + operand;
    }

    /// <summary>
    /// A macro's own spelling ([CForm]): each argument gets the level its
    /// place in the template needs. A whole argument of a call ("f({0}, {1})")
    /// may be any assignment expression, an index ("[{1}]") anything, the
    /// operand of a member access or an index ("{0}[", "{0}->") a postfix
    /// expression, and any other place a unary one ("*{0}", "{3} + {4}").
    /// </summary>
    string Template(CTemplate t)
    {
        var text = t.Template;
        for (var i = 0; i < t.Args.Length; i++)
        {
            var placeholder = $"{{{i}}}";
            var at = text.IndexOf(placeholder, StringComparison.Ordinal);
            while (at >= 0)
            {
                var before = at == 0 ? ' ' : text[at - 1];
                var after = at + placeholder.Length < text.Length ? text[at + placeholder.Length] : ' ';
                var rest = text[(at + placeholder.Length)..];
                var level = before == '[' && after == ']' ? COperators.Comma
                    : (before == '(' || (before == ' ' && at >= 2 && text[at - 2] == ',')) && after is ',' or ')' ? COperators.Assignment
                    : after is '[' or '.' || rest.StartsWith("->", StringComparison.Ordinal) ? COperators.Postfix
                    : COperators.Unary;
                var printed = Operand(t.Args[i], level);
                text = text[..at] + printed + text[(at + placeholder.Length)..];
                at = text.IndexOf(placeholder, at + printed.Length, StringComparison.Ordinal);
            }
        }
        return text;
    }
}
