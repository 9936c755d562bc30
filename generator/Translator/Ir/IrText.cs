using System.Text;

namespace VhostLog.Translator.Ir;

/// <summary>
/// The IR as text, one statement a line, expressions as prefix forms:
/// the golden snapshot beside each model (Foo.expected.ir), so that a change
/// of lowering shows up as an IR diff before it shows up as C.
/// </summary>
public static class IrText
{
    public static string Print(IrFunction f)
    {
        var s = new StringBuilder();
        s.Append($"function {f.Name} {(f.IsStatic ? "static" : "global")} {f.CFile} -> {Type(f.ReturnType)}\n");
        foreach (var p in f.Params)
            s.Append($"  param {p.Name}: {Type(p.Type)}\n");
        if (!f.InsertAfter.IsEmpty)
            s.Append($"  after {string.Join(" | ", f.InsertAfter)}\n");
        if (!f.Calls.IsEmpty)
            s.Append($"  calls {string.Join(" ", f.Calls)}\n");
        if (!f.Externs.IsEmpty)
            s.Append($"  externs {string.Join(" ", f.Externs)}\n");
        Stmt(s, f.Body, 1);
        return s.ToString();
    }

    static string Type(IrType t) => t.Pointer ? $"{t.Base}*" : t.Base;

    static void Stmt(StringBuilder s, IrStmt st, int depth)
    {
        var indent = new string(' ', depth * 2);
        switch (st)
        {
            case IrBlock b:
                s.Append(indent).Append("{\n");
                foreach (var x in b.Statements)
                    Stmt(s, x, depth + 1);
                s.Append(indent).Append("}\n");
                break;
            case IrDecl d:
                foreach (var x in d.Declarators)
                    s.Append(indent).Append($"decl {x.Name}: {Type(d.Type)}{(x.Init is null ? "" : " = " + Expr(x.Init))}\n");
                break;
            case IrUnionDecl u:
                s.Append(indent).Append($"union {string.Join(", ", u.Names)} {{ {string.Join("; ", u.Members.Select(m => $"{m.Name}: {Type(m.Type)}"))} }}\n");
                break;
            case IrExprStmt e:
                s.Append(indent).Append(Expr(e.Expr)).Append('\n');
                break;
            case IrIf i:
                s.Append(indent).Append($"if {Expr(i.Condition)}\n");
                Stmt(s, i.Then, depth + 1);
                if (i.Else is not null)
                {
                    s.Append(indent).Append("else\n");
                    Stmt(s, i.Else, depth + 1);
                }
                break;
            case IrFor f:
                s.Append(indent).Append($"for ({string.Join(", ", f.Init.Select(Expr))}; {(f.Condition is null ? "" : Expr(f.Condition))}; {string.Join(", ", f.Step.Select(Expr))})\n");
                Stmt(s, f.Body, depth + 1);
                break;
            case IrWhile w:
                s.Append(indent).Append($"while {Expr(w.Condition)}\n");
                Stmt(s, w.Body, depth + 1);
                break;
            case IrDoWhile d:
                s.Append(indent).Append("do\n");
                Stmt(s, d.Body, depth + 1);
                s.Append(indent).Append($"while {Expr(d.Condition)}\n");
                break;
            case IrListWalk w:
                s.Append(indent).Append($"list-walk {w.Variable}: {Type(w.EntryType)} in {Expr(w.Head)} by {w.Link}\n");
                Stmt(s, w.Body, depth + 1);
                break;
            case IrReturn r:
                s.Append(indent).Append(r.Value is null ? "return\n" : $"return {Expr(r.Value)}\n");
                break;
            case IrBreak:
                s.Append(indent).Append("break\n");
                break;
            case IrContinue:
                s.Append(indent).Append("continue\n");
                break;
            case IrGoto g:
                s.Append(indent).Append($"goto {g.Label}\n");
                break;
            case IrLabeled l:
                s.Append(indent).Append($"label {l.Label}:\n");
                Stmt(s, l.Statement, depth);
                break;
            default:
                throw new InvalidOperationException($"no text for {st.GetType().Name}");
        }
    }

    static string Expr(IrExpr e) => e switch
    {
        IrLiteral l => l.Text,
        IrName n => n.Name,
        IrField f => $"({(f.ThroughPointer ? "->" : ".")} {Expr(f.Target)} {f.Field})",
        IrIndex i => $"([] {Expr(i.Array)} {Expr(i.Index)})",
        IrCall c => $"(call {c.Function}{(c.Template is null ? "" : $" \"{c.Template}\"")}{string.Concat(c.Args.Select((a, i) => " " + (c.Conditions[i] ? "?" : "") + Expr(a)))})",
        IrUnary u => $"({(u.Postfix ? "post" : "pre")}{u.Op} {Expr(u.Operand)})",
        IrBinary b => $"({b.Op} {Expr(b.Left)} {Expr(b.Right)})",
        IrAssign a => $"({a.Op} {Expr(a.Target)} {Expr(a.Value)})",
        IrConditional c => $"(?: {Expr(c.Condition)} {Expr(c.WhenTrue)} {Expr(c.WhenFalse)})",
        IrCast c => $"({(c.Implicit ? "implicit-cast" : "cast")} {Type(c.Type)} {Expr(c.Operand)})",
        IrParen p => $"(paren {Expr(p.Inner)})",
        IrAddressOf a => $"(& {Expr(a.Operand)})",
        IrDeref d => $"(* {Expr(d.Operand)})",
        IrNullTest t => $"({(t.IsNull ? "null?" : "non-null?")} {Expr(t.Operand)})",
        IrZeroTest t => $"({(t.IsZero ? "zero?" : "non-zero?")} {Expr(t.Operand)})",
        _ => throw new InvalidOperationException($"no text for {e.GetType().Name}"),
    };
}
