using System.Collections.Immutable;
using VhostLog.Translator.CAst;

namespace VhostLog.Translator;

/// <summary>
/// C's operator table (C11 6.5): how each operator is spelled and how
/// tightly it binds (a higher level binds tighter). The printer decides
/// every parenthesis from it, through <see cref="CPrecedence"/>.
/// </summary>
public static class COperators
{
    public const int Comma = 1;
    public const int Assignment = 2;
    public const int Conditional = 3;
    public const int LogOr = 4;
    public const int LogAnd = 5;
    public const int BitOr = 6;
    public const int BitXor = 7;
    public const int BitAnd = 8;
    public const int Equality = 9;
    public const int Relational = 10;
    public const int Shift = 11;
    public const int Additive = 12;
    public const int Multiplicative = 13;
    public const int Unary = 14;
    public const int Postfix = 15;
    public const int Primary = 16;

    public static string Spelling(CUnaryOp op) => op switch
    {
        CUnaryOp.Plus => "+",
        CUnaryOp.Minus => "-",
        CUnaryOp.Not => "!",
        CUnaryOp.BitNot => "~",
        CUnaryOp.Deref => "*",
        CUnaryOp.AddressOf => "&",
        CUnaryOp.PreIncrement or CUnaryOp.PostIncrement => "++",
        CUnaryOp.PreDecrement or CUnaryOp.PostDecrement => "--",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    public static bool IsPostfix(CUnaryOp op) => op is CUnaryOp.PostIncrement or CUnaryOp.PostDecrement;

    public static (string Spelling, int Level) Of(CBinaryOp op) => op switch
    {
        CBinaryOp.Mul => ("*", Multiplicative),
        CBinaryOp.Div => ("/", Multiplicative),
        CBinaryOp.Mod => ("%", Multiplicative),
        CBinaryOp.Add => ("+", Additive),
        CBinaryOp.Sub => ("-", Additive),
        CBinaryOp.Shl => ("<<", Shift),
        CBinaryOp.Shr => (">>", Shift),
        CBinaryOp.Lt => ("<", Relational),
        CBinaryOp.Gt => (">", Relational),
        CBinaryOp.Le => ("<=", Relational),
        CBinaryOp.Ge => (">=", Relational),
        CBinaryOp.Eq => ("==", Equality),
        CBinaryOp.Ne => ("!=", Equality),
        CBinaryOp.BitAnd => ("&", BitAnd),
        CBinaryOp.BitXor => ("^", BitXor),
        CBinaryOp.BitOr => ("|", BitOr),
        CBinaryOp.LogAnd => ("&&", LogAnd),
        CBinaryOp.LogOr => ("||", LogOr),
        CBinaryOp.Assign => ("=", Assignment),
        CBinaryOp.MulAssign => ("*=", Assignment),
        CBinaryOp.DivAssign => ("/=", Assignment),
        CBinaryOp.ModAssign => ("%=", Assignment),
        CBinaryOp.AddAssign => ("+=", Assignment),
        CBinaryOp.SubAssign => ("-=", Assignment),
        CBinaryOp.ShlAssign => ("<<=", Assignment),
        CBinaryOp.ShrAssign => (">>=", Assignment),
        CBinaryOp.AndAssign => ("&=", Assignment),
        CBinaryOp.XorAssign => ("^=", Assignment),
        CBinaryOp.OrAssign => ("|=", Assignment),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
    };

    public static string Spelling(CBinaryOp op) => Of(op).Spelling;

    /// <summary>The binary operator C spells so (the model language's operators have C's spelling).</summary>
    public static CBinaryOp Binary(string spelling) =>
        Enum.GetValues<CBinaryOp>().Where(op => Spelling(op) == spelling).Cast<CBinaryOp?>().FirstOrDefault()
        ?? throw new InvalidOperationException($"no C binary operator is spelled {spelling}");
}

/// <summary>
/// How tightly each binary operator binds, as the printer uses it: C's
/// table (<see cref="C"/>), or a deliberately broken one, for the tests
/// that show translation validation catches a printer that gets it wrong.
/// </summary>
public sealed record CPrecedence(ImmutableDictionary<CBinaryOp, int> Levels)
{
    public static CPrecedence C { get; } =
        new(Enum.GetValues<CBinaryOp>().ToImmutableDictionary(op => op, op => COperators.Of(op).Level));

    /// <summary>This table with two operators' levels exchanged (a mutant printer).</summary>
    public CPrecedence Swapped(CBinaryOp a, CBinaryOp b) => new(Levels.SetItem(a, Levels[b]).SetItem(b, Levels[a]));

    public int Level(CBinaryOp op) => Levels[op];

    public bool IsAssignment(CBinaryOp op) => COperators.Of(op).Level == COperators.Assignment;

    /// <summary>How tightly an expression binds, as an operand.</summary>
    public int Level(CExpr e) => e switch
    {
        CToken or CCall or CTemplate => COperators.Primary,
        CMember or CIndex => COperators.Postfix,
        CUnary u => COperators.IsPostfix(u.Op) ? COperators.Postfix : COperators.Unary,
        CCast => COperators.Unary,
        CBinary b => Level(b.Op),
        CConditional => COperators.Conditional,
        _ => throw new InvalidOperationException($"no precedence for {e.GetType().Name}"),
    };

    /// <summary>
    /// Parentheses C does not need but gcc's -Wparentheses and kernel style
    /// expect: && inside ||, + and - inside a shift, arithmetic, comparisons
    /// and another bitwise operator inside a bitwise operand, a comparison
    /// inside a comparison, and an assignment inside anything but a chain of
    /// assignments (a = b = 0).
    /// </summary>
    public bool Clarify(CExpr parent, CExpr child)
    {
        if (child is not CBinary c)
            return false;
        if (IsAssignment(c.Op))
            return parent is not CBinary { Op: var chained } || !IsAssignment(chained);
        if (parent is not CBinary p)
            return false;
        var (pl, cl) = (COperators.Of(p.Op).Level, COperators.Of(c.Op).Level);
        return (pl == COperators.LogOr && cl == COperators.LogAnd)
               || (pl == COperators.Shift && cl == COperators.Additive)
               || (pl is COperators.BitAnd or COperators.BitXor or COperators.BitOr
                   && cl is COperators.Additive or COperators.Shift or COperators.Equality or COperators.Relational or COperators.BitAnd or COperators.BitXor
                   && cl != pl)
               || (pl is COperators.Equality or COperators.Relational && cl is COperators.Equality or COperators.Relational);
    }
}
