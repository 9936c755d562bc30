using System.Collections.Immutable;

namespace VhostLog.Translator.Ir;

// The model IR: what a model function means, independent of how C spells it.

/// <summary>A C type: a base spelling and whether it is used through a pointer.</summary>
public sealed record IrType(string Base, bool Pointer)
{
    public static IrType Scalar(string name) => new(name, false);
}

public abstract record IrExpr;
public sealed record IrLiteral(string Text) : IrExpr;
public sealed record IrName(string Name) : IrExpr;
public sealed record IrField(IrExpr Target, string Field, bool ThroughPointer) : IrExpr;
public sealed record IrIndex(IrExpr Array, IrExpr Index) : IrExpr;
/// <summary>A call; Conditions marks the arguments that are truth values (bool parameters).</summary>
public sealed record IrCall(string Function, ImmutableArray<IrExpr> Args, ImmutableArray<bool> Conditions, string? Template = null) : IrExpr;
public sealed record IrUnary(string Op, IrExpr Operand, bool Postfix) : IrExpr;
public sealed record IrBinary(string Op, IrExpr Left, IrExpr Right) : IrExpr;
public sealed record IrAssign(string Op, IrExpr Target, IrExpr Value) : IrExpr;
public sealed record IrConditional(IrExpr Condition, IrExpr WhenTrue, IrExpr WhenFalse) : IrExpr;

/// <summary>A conversion. Implicit ones are conversions C performs by itself on assignment.</summary>
public sealed record IrCast(IrType Type, IrExpr Operand, bool Implicit) : IrExpr;
public sealed record IrParen(IrExpr Inner) : IrExpr;

/// <summary>The address of an lvalue (a ref argument, or an embedded struct used as a value).</summary>
public sealed record IrAddressOf(IrExpr Operand) : IrExpr;

/// <summary>The object a scalar pointer points at.</summary>
public sealed record IrDeref(IrExpr Operand) : IrExpr;

/// <summary>A pointer compared with NULL (IsNull: ==, otherwise !=).</summary>
public sealed record IrNullTest(IrExpr Operand, bool IsNull) : IrExpr;

/// <summary>An integer compared with 0 (IsZero: ==, otherwise !=).</summary>
public sealed record IrZeroTest(IrExpr Operand, bool IsZero) : IrExpr;

/// <summary>Leading layout of a statement as the model wrote it.</summary>
public sealed record IrLayout(bool BlankBefore, ImmutableArray<string> Comment)
{
    public static IrLayout None { get; } = new(false, []);
}

public abstract record IrStmt(IrLayout Layout);
public sealed record IrBlock(ImmutableArray<IrStmt> Statements, IrLayout Layout) : IrStmt(Layout);
public sealed record IrDeclarator(string Name, IrExpr? Init);
public sealed record IrDecl(IrType Type, ImmutableArray<IrDeclarator> Declarators, IrLayout Layout) : IrStmt(Layout);
/// <summary>A local of an anonymous union type: union { Members } Names;</summary>
public sealed record IrUnionDecl(ImmutableArray<IrParam> Members, ImmutableArray<string> Names, IrLayout Layout) : IrStmt(Layout);
public sealed record IrExprStmt(IrExpr Expr, IrLayout Layout) : IrStmt(Layout);
public sealed record IrIf(IrExpr Condition, IrStmt Then, IrStmt? Else, IrLayout Layout) : IrStmt(Layout);
public sealed record IrFor(ImmutableArray<IrExpr> Init, IrExpr? Condition, ImmutableArray<IrExpr> Step, IrStmt Body, IrLayout Layout) : IrStmt(Layout);
public sealed record IrWhile(IrExpr Condition, IrStmt Body, IrLayout Layout) : IrStmt(Layout);
public sealed record IrDoWhile(IrStmt Body, IrExpr Condition, IrLayout Layout) : IrStmt(Layout);

/// <summary>A walk over a kernel list: Variable takes each entry, linked by its Link member.</summary>
public sealed record IrListWalk(string Variable, IrType EntryType, IrExpr Head, string Link, IrStmt Body, IrLayout Layout) : IrStmt(Layout);
public sealed record IrReturn(IrExpr? Value, IrLayout Layout) : IrStmt(Layout);
public sealed record IrBreak(IrLayout Layout) : IrStmt(Layout);
public sealed record IrGoto(string Label, IrLayout Layout) : IrStmt(Layout);
public sealed record IrLabeled(string Label, IrStmt Statement, IrLayout Layout) : IrStmt(Layout);
public sealed record IrContinue(IrLayout Layout) : IrStmt(Layout);

public sealed record IrParam(IrType Type, string Name);

/// <summary>Kernel-doc content taken from the model's XML doc comment.</summary>
public sealed record IrDoc(string Summary, ImmutableArray<(string Name, string Text)> Params, string Remarks, string Returns);

/// <summary>One model function in one model state.</summary>
public sealed record IrFunction(
    string Name,
    string CFile,
    bool IsStatic,
    IrType ReturnType,
    ImmutableArray<IrParam> Params,
    IrDoc? Doc,
    IrBlock Body,
    ImmutableArray<string> Calls,
    ImmutableArray<string> Externs,
    string ModelFile,
    int ModelLine,
    ImmutableArray<string> InsertAfter);
