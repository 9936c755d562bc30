using System.Collections.Immutable;
using VhostLog.Translator.CAst;
using VhostLog.Translator.Ir;

namespace VhostLog.Translator.Lowering;

/// <summary>
/// IR to kernel-C AST: the kernel's idioms are decided here (pointer and
/// integer truth tests, -> for pointers, list walks as macros with the
/// cursor declared with the function's other locals).
/// </summary>
public static class KernelC
{
    public static CFunctionDef Lower(IrFunction f)
    {
        var body = Block(f.Body);
        var walks = ListWalkCursors(f.Body).ToList();
        if (walks.Count > 0)
            body = HoistDeclarations(body, walks);
        var parameters = f.Params.Length == 0
            ? "void"
            : string.Join(", ", f.Params.Select(p => Declarator(p.Type, p.Name)));
        var signature = $"{(f.IsStatic ? "static " : "")}{TypeText(f.ReturnType)}{(f.ReturnType.Pointer ? "" : " ")}{f.Name}({parameters})";
        return new CFunctionDef(KernelDoc.Lines(f), signature, body);
    }

    public static string TypeText(IrType t) => t.Pointer ? $"{t.Base} *" : t.Base;

    static string Declarator(IrType t, string name) => t.Pointer ? $"{t.Base} *{name}" : $"{t.Base} {name}";

    static IEnumerable<(IrType Type, string Name)> ListWalkCursors(IrStmt s) => s switch
    {
        IrListWalk w => ListWalkCursors(w.Body).Prepend((w.EntryType, w.Variable)),
        IrBlock b => b.Statements.SelectMany(ListWalkCursors),
        IrIf i => ListWalkCursors(i.Then).Concat(i.Else is null ? [] : ListWalkCursors(i.Else)),
        IrFor f => ListWalkCursors(f.Body),
        IrWhile w => ListWalkCursors(w.Body),
        IrDoWhile d => ListWalkCursors(d.Body),
        IrLabeled l => ListWalkCursors(l.Statement),
        _ => [],
    };

    /// <summary>C declares a list cursor before the walk: put it after the function's leading declarations.</summary>
    static CBlock HoistDeclarations(CBlock body, List<(IrType Type, string Name)> cursors)
    {
        var leading = body.Statements.TakeWhile(s => s is CDecl or CUnionDecl).Count();
        var decls = cursors.Select(c => (CStmt)new CDecl(c.Type.Base, [(Pointer(c.Type) + c.Name, null)], false, []));
        return body with { Statements = body.Statements.InsertRange(leading, decls) };
    }

    static string Pointer(IrType t) => t.Pointer ? "*" : "";

    static CBlock Block(IrBlock b) =>
        new(b.Statements.Select(Stmt).ToImmutableArray(), b.Layout.BlankBefore, b.Layout.Comment);

    static CStmt Stmt(IrStmt s)
    {
        var (blank, comment) = (s.Layout.BlankBefore, s.Layout.Comment);
        return s switch
        {
            IrBlock b => Block(b),
            IrDecl d => new CDecl(d.Type.Base,
                d.Declarators.Select(x => (Pointer(d.Type) + x.Name, x.Init is null ? null : Expr(x.Init))).ToImmutableArray(),
                blank, comment),
            IrUnionDecl u => new CUnionDecl(u.Members.Select(m => Declarator(m.Type, m.Name)).ToImmutableArray(),
                string.Join(", ", u.Names), blank, comment),
            IrExprStmt e => new CExprStmt(Expr(e.Expr), blank, comment),
            IrIf i => new CIf(Cond(i.Condition), Stmt(i.Then), i.Else is null ? null : Stmt(i.Else), blank, comment),
            IrFor f => new CFor(f.Init.Select(Expr).ToImmutableArray(), f.Condition is null ? null : Cond(f.Condition),
                f.Step.Select(Expr).ToImmutableArray(), Stmt(f.Body), blank, comment),
            IrWhile w => new CWhile(Cond(w.Condition), Stmt(w.Body), blank, comment),
            IrDoWhile d => new CDoWhile(Stmt(d.Body), Cond(d.Condition), blank, comment),
            IrListWalk w => new CMacroLoop("list_for_each_entry",
                [new CToken(w.Variable), new CUnary(CUnaryOp.AddressOf, Expr(w.Head)), new CToken(w.Link)],
                Stmt(w.Body), blank, comment),
            IrReturn r => new CReturn(r.Value is null ? null : Expr(r.Value), blank, comment),
            IrBreak => new CJump("break", blank, comment),
            IrContinue => new CJump("continue", blank, comment),
            IrGoto g => new CJump($"goto {g.Label}", blank, comment),
            IrLabeled l => new CLabeled(l.Label, Stmt(l.Statement), blank, comment),
            _ => throw new InvalidOperationException($"no C form for {s.GetType().Name}"),
        };
    }

    /// <summary>An expression whose value is used as a truth value.</summary>
    static CExpr Cond(IrExpr e) => e switch
    {
        IrNullTest t => t.IsNull ? Not(Expr(t.Operand)) : Expr(t.Operand),
        IrZeroTest t => t.IsZero ? Not(Expr(t.Operand)) : Expr(t.Operand),
        IrUnary { Op: "!", Postfix: false } u => Not(Cond(u.Operand)),
        IrBinary { Op: "&&" or "||" } b => new CBinary(COperators.Binary(b.Op), Cond(b.Left), Cond(b.Right)),
        IrParen p => Cond(p.Inner),
        _ => Expr(e),
    };


    /// <summary>Arguments of bool parameters are truth values (likely(!log), WARN_ON_ONCE(vq->iotlb)).</summary>
    static ImmutableArray<CExpr> Args(IrCall c) =>
        c.Args.Select((a, i) => c.Conditions[i] ? Cond(a) : Expr(a)).ToImmutableArray();

    static CExpr Not(CExpr operand) => new CUnary(CUnaryOp.Not, operand);

    static CExpr Expr(IrExpr e) => e switch
    {
        IrLiteral l => new CToken(l.Text),
        IrName n => new CToken(n.Name),
        IrField f => new CMember(Expr(f.Target), f.ThroughPointer, f.Field),
        IrIndex i => new CIndex(Expr(i.Array), Expr(i.Index)),
        IrCall { Template: { } t } c => new CTemplate(t, Args(c)),
        IrCall c => new CCall(c.Function, Args(c)),
        IrUnary u => new CUnary(Unary(u), Expr(u.Operand)),
        IrBinary b => new CBinary(COperators.Binary(b.Op), Expr(b.Left), Expr(b.Right)),
        IrAssign a => new CBinary(COperators.Binary(a.Op), Expr(a.Target), Expr(a.Value)),
        IrConditional c => new CConditional(Cond(c.Condition), Expr(c.WhenTrue), Expr(c.WhenFalse)),
        IrCast { Implicit: true } c => Expr(c.Operand),
        IrCast c => new CCast(TypeText(c.Type), Expr(c.Operand)),
        IrParen p => Expr(p.Inner),
        IrAddressOf a => new CUnary(CUnaryOp.AddressOf, Expr(a.Operand)),
        IrDeref d => new CUnary(CUnaryOp.Deref, Expr(d.Operand)),
        IrNullTest t => new CBinary(t.IsNull ? CBinaryOp.Eq : CBinaryOp.Ne, Expr(t.Operand), new CToken("NULL")),
        IrZeroTest t => new CBinary(t.IsZero ? CBinaryOp.Eq : CBinaryOp.Ne, Expr(t.Operand), new CToken("0")),
        _ => throw new InvalidOperationException($"no C form for {e.GetType().Name}"),
    };

    static CUnaryOp Unary(IrUnary u) => (u.Op, u.Postfix) switch
    {
        ("++", true) => CUnaryOp.PostIncrement,
        ("--", true) => CUnaryOp.PostDecrement,
        ("++", false) => CUnaryOp.PreIncrement,
        ("--", false) => CUnaryOp.PreDecrement,
        ("!", false) => CUnaryOp.Not,
        ("-", false) => CUnaryOp.Minus,
        ("+", false) => CUnaryOp.Plus,
        ("~", false) => CUnaryOp.BitNot,
        _ => throw new InvalidOperationException($"no C unary operator for {u.Op}{(u.Postfix ? " (postfix)" : "")}"),
    };
}
