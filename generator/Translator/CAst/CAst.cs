using System.Collections.Immutable;

namespace VhostLog.Translator.CAst;

// Kernel C as it is written: the printer turns this into text without
// further decisions.

public abstract record CExpr;
public sealed record CToken(string Text) : CExpr;

/// <summary>target->member (Arrow) or target.member.</summary>
public sealed record CMember(CExpr Target, bool Arrow, string Member) : CExpr;
public sealed record CIndex(CExpr Array, CExpr Index) : CExpr;
public sealed record CCall(string Function, ImmutableArray<CExpr> Args) : CExpr;
public sealed record CUnary(CUnaryOp Op, CExpr Operand) : CExpr;
public sealed record CBinary(CBinaryOp Op, CExpr Left, CExpr Right) : CExpr;
public sealed record CConditional(CExpr Condition, CExpr WhenTrue, CExpr WhenFalse) : CExpr;
public sealed record CCast(string Type, CExpr Operand) : CExpr;

// No parentheses node: the printer decides every parenthesis from C's
// precedence (CPrecedence), and the model's own are not carried over.

/// <summary>C's unary operators; the printer knows how each is spelled and how tightly it binds.</summary>
public enum CUnaryOp
{
    Plus,
    Minus,
    Not,
    BitNot,
    Deref,
    AddressOf,
    PreIncrement,
    PreDecrement,
    PostIncrement,
    PostDecrement,
}

/// <summary>C's binary operators, assignments included.</summary>
public enum CBinaryOp
{
    Mul,
    Div,
    Mod,
    Add,
    Sub,
    Shl,
    Shr,
    Lt,
    Gt,
    Le,
    Ge,
    Eq,
    Ne,
    BitAnd,
    BitXor,
    BitOr,
    LogAnd,
    LogOr,
    Assign,
    MulAssign,
    DivAssign,
    ModAssign,
    AddAssign,
    SubAssign,
    ShlAssign,
    ShrAssign,
    AndAssign,
    XorAssign,
    OrAssign,
}

/// <summary>A macro with its own spelling: {0}, {1} are replaced by the printed arguments.</summary>
public sealed record CTemplate(string Template, ImmutableArray<CExpr> Args) : CExpr;

public abstract record CStmt(bool BlankBefore, ImmutableArray<string> Comment);
public sealed record CBlock(ImmutableArray<CStmt> Statements, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);
public sealed record CDecl(string Type, ImmutableArray<(string Declarator, CExpr? Init)> Declarators, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);
/// <summary>union { Members; } Declarators; Members are full member declarations without the semicolon.</summary>
public sealed record CUnionDecl(ImmutableArray<string> Members, string Declarators, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);
public sealed record CExprStmt(CExpr Expr, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);
public sealed record CIf(CExpr Condition, CStmt Then, CStmt? Else, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);
public sealed record CFor(ImmutableArray<CExpr> Init, CExpr? Condition, ImmutableArray<CExpr> Step, CStmt Body, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);
public sealed record CWhile(CExpr Condition, CStmt Body, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);
public sealed record CDoWhile(CStmt Body, CExpr Condition, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);

/// <summary>A statement-like macro loop such as list_for_each_entry(pos, head, member).</summary>
public sealed record CMacroLoop(string Macro, ImmutableArray<CExpr> Args, CStmt Body, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);
public sealed record CReturn(CExpr? Value, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);
public sealed record CJump(string Keyword, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);
public sealed record CLabeled(string Label, CStmt Statement, bool BlankBefore, ImmutableArray<string> Comment) : CStmt(BlankBefore, Comment);

public sealed record CFunctionDef(
    ImmutableArray<string> DocLines,
    string Signature,
    CBlock Body);
