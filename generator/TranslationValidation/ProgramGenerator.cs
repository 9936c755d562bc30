using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace VhostLog.TranslationValidation;

/// <summary>An integer type of the model language: its C# name (which is also its kernel C name, or maps to it), width and signedness.</summary>
public sealed record FuzzType(string Name, int Bits, bool Signed = false)
{
    public static ImmutableArray<FuzzType> All { get; } =
    [
        new("u8", 8), new("u16", 16), new("u32", 32), new("unsigned_int", 32), new("u64", 64), new("size_t", 64),
        new("int", 32, Signed: true), new("s64", 64, Signed: true),
    ];

    /// <summary>
    /// Narrower than int: C and C# both promote it to int before any
    /// arithmetic, so an expression of this type is a cast of int arithmetic.
    /// </summary>
    public bool Promoted => Bits < 32;

    /// <summary>The C spelling (the model language writes unsigned_int for C's unsigned int).</summary>
    public string C => Name == "unsigned_int" ? "unsigned int" : Name;

    public ulong Mask => Bits == 64 ? ulong.MaxValue : (1UL << Bits) - 1;

    /// <summary>The smallest value, as bits (two's complement for a signed type).</summary>
    public ulong Min => Signed ? 1UL << (Bits - 1) : 0;

    /// <summary>The largest value, as bits.</summary>
    public ulong Max => Signed ? Mask >> 1 : Mask;

    /// <summary>The value of these bits: signed types read them as two's complement.</summary>
    public Int128 Value(ulong bits)
    {
        bits &= Mask;
        return Signed && (bits & Min) != 0 ? (Int128)bits - ((Int128)1 << Bits) : bits;
    }

    /// <summary>
    /// A constant of this type, in C# and in C alike: a narrow one is an int
    /// constant cast to it; the most negative value of a signed type is
    /// written as C needs it (its digits alone do not fit the type).
    /// </summary>
    public string Constant(ulong bits)
    {
        var v = Value(bits);
        var suffix = (Signed, Bits) switch
        {
            (true, 64) => "L",
            (true, _) => "",
            (false, 64) => "UL",
            _ => "U",
        };
        if (Promoted)
            return $"({Name}){v.ToString(CultureInfo.InvariantCulture)}";
        if (Signed && (bits & Mask) == Min)
            return $"(-{(v + 1).ToString(CultureInfo.InvariantCulture)[1..]}{suffix} - 1{suffix})";
        return v.ToString(CultureInfo.InvariantCulture) + suffix;
    }
}

/// <summary>How a parameter is passed: by value, as a ref or a Ptr&lt;T&gt; (C: a pointer), or as an array (C: a pointer to its first element).</summary>
public enum FuzzKind
{
    Value,
    Ref,
    Ptr,
    Array,
}

public sealed record FuzzParam(string Name, FuzzType Type, FuzzKind Kind)
{
    /// <summary>The elements of an array parameter.</summary>
    public const int ArrayLength = 4;

    /// <summary>How many values a call passes for it.</summary>
    public int Slots => Kind == FuzzKind.Array ? ArrayLength : 1;
}

/// <summary>
/// One random model function: its C# text, how to call it, and its oracle:
/// the same function with every signed operation that can overflow in
/// checked(...), which is what C# runs. A call that overflows there breaks
/// the language's precondition (signed arithmetic never overflows, as C
/// requires) and is left out of the comparison.
/// </summary>
public sealed record FuzzFunction(string Name, string Source, ImmutableArray<FuzzParam> Params, FuzzType Return, string Oracle);

/// <summary>
/// Random well-typed functions of the model language, from a seed: unsigned
/// arithmetic of 8, 16, 32 and 64 bits (u8 and u16 through the int both
/// languages promote them to, cast back), signed arithmetic of 32 and 64
/// bits (with a checked oracle: the precondition that it never overflows),
/// shifts by a constant within the width (and, now and then, by a computed
/// count, or a u8/u16 product or shift that can overflow int: constructs
/// the language must reject), division by a non-zero value, casts between
/// widths and signedness, ternaries, short-circuit conditions, compound
/// assignment, pre- and post-increments of locals, refs, Ptr values and
/// array elements (by a constant index and by a computed one), an
/// if/else (braced, and an if-else inside an if without braces), a loop
/// with break and continue, early returns, a goto to the final return, and
/// calls of the pure externs min(), max(), likely() and unlikely().
/// Expressions carry only the parentheses C#'s precedence needs, so the C
/// printer must find every one C needs by itself.
/// </summary>
public sealed class ProgramGenerator(int seed)
{
    readonly Random random = new(seed);

    sealed record Var(string Access, FuzzType Type);

    /// <summary>An expression, how tightly it binds (C#'s levels, which are C's for these operators), and its oracle form.</summary>
    sealed record Ex(string Text, int Level, bool Constant, string Oracle)
    {
        public Ex(string text, int level, bool constant)
            : this(text, level, constant, text)
        {
        }
    }

    /// <summary>A line of the body in both forms.</summary>
    sealed record Line(string Text, string Oracle)
    {
        public Line(string text)
            : this(text, text)
        {
        }

        public static Line operator +(Line a, Line b) => new(a.Text + b.Text, a.Oracle + b.Oracle);
    }

    /// <summary>Writes one form of a construct: the model's (the parts' Text) or the oracle's (their Oracle).</summary>
    delegate string Form(Func<Ex, int, string> part);

    const int Primary = 16, Unary = 14, Multiplicative = 13, Additive = 12, Shift = 11, Relational = 10, Equality = 9,
        BitAnd = 8, BitXor = 7, BitOr = 6, LogAnd = 5, LogOr = 4, Conditional = 3;

    T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    static string Paren(string text, int own, int needed) => own < needed ? $"({text})" : text;

    /// <summary>An expression from the same form in both languages; <paramref name="check"/> puts the oracle's in checked(...).</summary>
    static Ex Make(int level, bool constant, Form form, bool check = false)
    {
        var text = form((e, needed) => Paren(e.Text, e.Level, needed));
        var oracle = form((e, needed) => Paren(e.Oracle, e.Level, needed));
        return check ? new Ex(text, level, constant, $"checked({oracle})") : new Ex(text, level, constant, oracle);
    }

    static Line Make(Form form) =>
        new(form((e, needed) => Paren(e.Text, e.Level, needed)), form((e, needed) => Paren(e.Oracle, e.Level, needed)));

    public FuzzFunction Function(string name)
    {
        var ps = new List<FuzzParam>();
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
            ps.Add(new FuzzParam($"a{i}", Pick(FuzzType.All), FuzzKind.Value));
        if (random.Next(2) == 0)
            ps.Add(new FuzzParam("r", Pick(FuzzType.All), FuzzKind.Ref));
        if (random.Next(2) == 0)
            ps.Add(new FuzzParam("p", Pick(FuzzType.All), FuzzKind.Ptr));
        if (random.Next(3) == 0)
            ps.Add(new FuzzParam("arr", Pick(FuzzType.All), FuzzKind.Array));
        var ret = Pick(FuzzType.All);
        var vars = ps.Where(p => p.Kind != FuzzKind.Array)
            .Select(p => new Var(p.Kind == FuzzKind.Ptr ? $"{p.Name}.Value" : p.Name, p.Type)).ToList();
        if (ps.FirstOrDefault(p => p.Kind == FuzzKind.Array) is { } array)
        {
            // Elements by constant index, and one by an index computed from the first parameter.
            var first = vars[0];
            vars.AddRange(Enumerable.Range(0, FuzzParam.ArrayLength).Where(_ => random.Next(2) == 0)
                .Select(k => new Var($"{array.Name}[{k}]", array.Type)));
            vars.Add(new Var($"{array.Name}[(int)((u32){first.Access} & {FuzzParam.ArrayLength - 1}U)]", array.Type));
        }

        var body = new Line("");
        var locals = random.Next(1, 4);
        for (var i = 0; i < locals; i++)
        {
            var t = Pick(FuzzType.All);
            var init = Expr(t, vars, 2);
            body += Make(p => $"        {t.Name} x{i} = {p(init, 0)};\n");
            vars.Add(new Var($"x{i}", t));
        }
        body += new Line("        int i;\n\n");
        var statements = random.Next(2, 6);
        var looped = false;
        var jumped = false;
        for (var i = 0; i < statements; i++)
        {
            var roll = random.Next(10);
            if (roll < 4)
                body += Assignment(vars, "        ");
            else if (roll < 6)
                body += Increment(vars, "        ");
            else if (roll < 8)
            {
                var c = Cond(vars, 2);
                body += Make(p => $"        if ({p(c, 0)}) {{\n") + Assignment(vars, "            ") + Increment(vars, "            ")
                        + new Line("        } else {\n") + Assignment(vars, "            ") + new Line("        }\n");
            }
            else if (roll == 8 && !looped)
            {
                looped = true;
                var bound = random.Next(1, 6);
                var brk = Cond(vars, 1);
                var cont = Cond(vars, 1);
                body += new Line($"        for (i = 0; i < {bound}; i++) {{\n")
                        + Assignment(vars, "            ")
                        + Make(p => $"            if ({p(brk, 0)})\n                break;\n")
                        + Make(p => $"            if ({p(cont, 0)})\n                continue;\n")
                        + Increment(vars, "            ")
                        + new Line("        }\n");
            }
            else if (roll == 8 && !jumped && random.Next(2) == 0)
            {
                jumped = true;
                var c = Cond(vars, 1);
                body += Make(p => $"        if ({p(c, 0)})\n            goto done;\n");
            }
            else if (roll == 8)
            {
                // An if-else inside an if, without braces: the else is the inner if's in both languages.
                var outer = Cond(vars, 1);
                var inner = Cond(vars, 1);
                body += Make(p => $"        if ({p(outer, 0)})\n            if ({p(inner, 0)})\n") + Assignment(vars, "                ")
                        + new Line("            else\n") + Assignment(vars, "                ");
            }
            else
            {
                var c = Cond(vars, 2);
                var value = Expr(ret, vars, 2);
                body += Make(p => $"        if ({p(c, 0)})\n            return {p(value, 0)};\n");
            }
        }
        var last = Expr(ret, vars, 3);
        body += new Line(jumped ? "    done:\n" : "") + Make(p => $"        return {p(last, 0)};\n");

        var parameters = string.Join(", ", ps.Select(p => p.Kind switch
        {
            FuzzKind.Ref => $"ref {p.Type.Name} {p.Name}",
            FuzzKind.Ptr => $"Ptr<{p.Type.Name}> {p.Name}",
            FuzzKind.Array => $"{p.Type.Name}[] {p.Name}",
            _ => $"{p.Type.Name} {p.Name}",
        }));
        string Method(string text) => $"    protected virtual {ret.Name} {name}({parameters})\n    {{\n{text}    }}\n";
        return new FuzzFunction(name, Method(body.Text), [.. ps], ret, Method(body.Oracle));
    }

    Line Assignment(List<Var> vars, string indent)
    {
        var target = Pick(vars);
        var t = target.Type;
        var value = Expr(t, vars, 2);
        switch (random.Next(4))
        {
            case 0:
                return Make(p => $"{indent}{target.Access} = {p(value, 0)};\n");
            case 1:
            {
                var op = CompoundOperator(t);
                var line = Make(p => $"{indent}{target.Access} {op} {p(value, 0)};\n");
                // On a signed target, += -= *= can overflow: the oracle spells it out, checked.
                if (t.Signed && op is "+=" or "-=" or "*=")
                {
                    var checkedForm = $"{indent}{target.Access} = checked({target.Access} {op[0]} ({value.Oracle}));\n";
                    return line with { Oracle = checkedForm };
                }
                return line;
            }
            case 2:
            {
                var op = t.Signed ? ">>=" : Pick(new[] { "<<=", ">>=" });
                var count = ShiftCount(t, vars);
                return Make(p => $"{indent}{target.Access} {op} {count};\n");
            }
            default:
            {
                var c = Cond(vars, 1);
                var other = Expr(t, vars, 1);
                return Make(p => $"{indent}{target.Access} = {p(c, Conditional + 1)} ? {p(value, 0)} : {p(other, Conditional)};\n");
            }
        }
    }

    /// <summary>
    /// A compound assignment operator. On a u16 a product can overflow the
    /// int C computes it in (VL1014), so *= is drawn there only as often as
    /// the constructs the language must reject.
    /// </summary>
    string CompoundOperator(FuzzType t) =>
        t.Bits == 16 && random.Next(8) > 0 ? Pick(new[] { "+=", "-=", "&=", "|=", "^=" }) : Pick(new[] { "+=", "-=", "*=", "&=", "|=", "^=" });

    Line Increment(List<Var> vars, string indent)
    {
        var target = Pick(vars);
        var a = target.Access;
        var (text, step) = Pick(new[] { ($"{a}++", "+"), ($"++{a}", "+"), ($"{a}--", "-"), ($"--{a}", "-") });
        return target.Type.Signed
            ? new Line($"{indent}{text};\n", $"{indent}{a} = checked({a} {step} 1);\n")
            : new Line($"{indent}{text};\n");
    }

    /// <summary>
    /// A shift count: a constant within the width, as the model language
    /// requires (VL1004); one in 32 is a computed count, which the language
    /// must reject.
    /// </summary>
    string ShiftCount(FuzzType t, List<Var> vars)
    {
        if (random.Next(32) > 0)
            return random.Next(t.Bits).ToString(CultureInfo.InvariantCulture);
        var v = Leaf(t, vars, variable: true);
        return $"(int)({Paren(v.Text, v.Level, BitAnd)} & {t.Constant((ulong)t.Bits - 1)})";
    }

    /// <summary>
    /// A condition (C# bool): a comparison half the time, else a negation,
    /// a hint or && / || of two conditions (the nesting a printer with a
    /// wrong table of the logical operators gets wrong).
    /// </summary>
    Ex Cond(List<Var> vars, int depth)
    {
        if (depth <= 0 || random.Next(2) > 0)
        {
            var t = Pick(FuzzType.All);
            var (op, level) = Pick(new[] { ("<", Relational), ("<=", Relational), (">", Relational), (">=", Relational), ("==", Equality), ("!=", Equality) });
            var l = Expr(t, vars, depth - 1);
            var r = Expr(t, vars, depth - 1);
            if (l.Constant && r.Constant)
                l = Leaf(t, vars, variable: true);
            return Make(level, false, p => $"{p(l, level)} {op} {p(r, level + 1)}");
        }
        switch (random.Next(4))
        {
            case 0:
            {
                var c = Cond(vars, depth - 1);
                return Make(Unary, false, p => $"!{p(c, Unary)}");
            }
            case 1:
                return Logical("&&", LogAnd, vars, depth);
            case 2:
                return Logical("||", LogOr, vars, depth);
            default:
            {
                var c = Cond(vars, depth - 1);
                var hint = Pick(new[] { "likely", "unlikely" });
                return Make(Primary, false, p => $"{hint}({p(c, 0)})");
            }
        }
    }

    Ex Logical(string op, int level, List<Var> vars, int depth)
    {
        var l = Cond(vars, depth - 1);
        var r = Cond(vars, depth - 1);
        return Make(level, false, p => $"{p(l, level)} {op} {p(r, level + 1)}");
    }

    Ex Leaf(FuzzType t, List<Var> vars, bool variable = false)
    {
        if (variable || random.Next(3) > 0)
        {
            var v = Pick(vars);
            return v.Type.Bits == t.Bits && v.Type.Signed == t.Signed ? new Ex(v.Access, Primary, false) : new Ex($"({t.Name}){v.Access}", Unary, false);
        }
        var value = random.Next(5) switch
        {
            0 => t.Max,
            1 => t.Min == 0 ? 1UL << (t.Bits - 1) : t.Min,
            2 when t.Signed => (ulong)-random.Next(1, 40) & t.Mask,
            _ => (ulong)random.Next(0, 40),
        };
        var text = t.Constant(value);
        return new Ex(text, text.StartsWith('(') || text.StartsWith('-') ? Unary : Primary, true);
    }

    /// <summary>An expression of the type (C#: its integer type; u8 and u16 through a cast of int arithmetic).</summary>
    Ex Expr(FuzzType t, List<Var> vars, int depth)
    {
        if (depth <= 0 || random.Next(4) == 0)
            return Leaf(t, vars);
        if (t.Promoted)
            return Narrow(t, vars, depth);
        var choice = random.Next(9);
        switch (choice)
        {
            case 8:
            {
                var l = Expr(t, vars, depth - 1);
                var r = Expr(t, vars, depth - 1);
                var helper = Pick(new[] { "min", "max" });
                return Make(Primary, false, p => $"{helper}({p(l, 0)}, {p(r, 0)})");
            }
            case 0:
            case 1:
            case 2:
            {
                var (op, level) = Pick(new[] { ("+", Additive), ("-", Additive), ("*", Multiplicative), ("&", BitAnd), ("|", BitOr), ("^", BitXor) });
                var l = Expr(t, vars, depth - 1);
                var r = Expr(t, vars, depth - 1);
                if (l.Constant && r.Constant)
                    l = Leaf(t, vars, variable: true);
                return Make(level, false, p => $"{p(l, level)} {op} {p(r, level + 1)}", check: t.Signed && op is "+" or "-" or "*");
            }
            case 3:
            {
                var op = Pick(new[] { "/", "%" });
                var l = Expr(t, vars, depth - 1);
                if (l.Constant)
                    l = Leaf(t, vars, variable: true);
                var r = Expr(t, vars, depth - 1);
                // A signed divisor is 1..8: never zero, and never -1 under the most negative value.
                return t.Signed
                    ? Make(Multiplicative, false, p => $"{p(l, Multiplicative)} {op} (({p(r, BitAnd)} & 7) + 1)")
                    : Make(Multiplicative, false, p => $"{p(l, Multiplicative)} {op} ({p(r, BitOr)} | {t.Constant(1)})");
            }
            case 4:
            {
                var l = Expr(t, vars, depth - 1);
                if (l.Constant)
                    l = Leaf(t, vars, variable: true);
                // A signed value is shifted right only: a left shift of a negative value is undefined in C.
                var op = t.Signed ? ">>" : Pick(new[] { "<<", ">>" });
                var count = ShiftCount(t, vars);
                return Make(Shift, false, p => $"{p(l, Shift)} {op} {count}");
            }
            case 5:
            {
                var c = Cond(vars, depth - 1);
                var a = Expr(t, vars, depth - 1);
                var b = Expr(t, vars, depth - 1);
                return Make(Conditional, false, p => $"{p(c, LogOr)} ? {p(a, 0)} : {p(b, Conditional)}");
            }
            case 6:
            {
                var other = Pick(FuzzType.All.Where(o => o.Bits != t.Bits || o.Signed != t.Signed).ToList());
                var inner = Expr(other, vars, depth - 1);
                if (inner.Constant)
                    inner = Leaf(other, vars, variable: true);
                return Make(Unary, false, p => $"({t.Name}){p(inner, Primary)}");
            }
            default:
            {
                var operand = Expr(t, vars, depth - 1);
                if (t.Signed && random.Next(2) == 0)
                {
                    // Not of a constant: C# folds it, and refuses one that overflows (CS0220) instead of running it.
                    if (operand.Constant)
                        operand = Leaf(t, vars, variable: true);
                    return Make(Unary, false, p => $"-{p(operand, Primary)}", check: true);
                }
                return Make(Unary, operand.Constant, p => $"~{p(operand, Unary)}");
            }
        }
    }

    /// <summary>
    /// An expression of a u8 or u16: int arithmetic on promoted operands,
    /// cast back. A product of two u16 (or a shift of one past bit 30) can
    /// overflow int, which C leaves undefined: the language rejects it
    /// (VL1014), and the generator draws it now and then to check it does.
    /// </summary>
    Ex Narrow(FuzzType t, List<Var> vars, int depth)
    {
        var l = Expr(t, vars, depth - 1);
        if (l.Constant)
            l = Leaf(t, vars, variable: true);
        var r = Expr(t, vars, depth - 1);
        Form arithmetic;
        switch (random.Next(6))
        {
            case 0:
            case 1:
            {
                var (op, level) = t.Bits == 16 && random.Next(8) > 0
                    ? Pick(new[] { ("+", Additive), ("-", Additive), ("&", BitAnd), ("|", BitOr), ("^", BitXor) })
                    : Pick(new[] { ("+", Additive), ("-", Additive), ("*", Multiplicative), ("&", BitAnd), ("|", BitOr), ("^", BitXor) });
                arithmetic = p => $"{p(l, level)} {op} {p(r, level + 1)}";
                break;
            }
            case 2:
            {
                var op = Pick(new[] { "/", "%" });
                arithmetic = p => $"{p(l, Multiplicative)} {op} ({p(r, BitOr)} | 1)";
                break;
            }
            case 3:
            {
                // Within int: 0..31-width, and past it now and then (VL1014).
                var count = random.Next(16) == 0 ? random.Next(32 - t.Bits, 32) : random.Next(32 - t.Bits);
                var op = Pick(new[] { "<<", ">>" });
                arithmetic = p => $"{p(l, Shift)} {op} {count}";
                break;
            }
            case 4:
                arithmetic = p => $"~{p(l, Unary)}";
                break;
            default:
            {
                var c = Cond(vars, depth - 1);
                return Make(Conditional, false, p => $"{p(c, LogOr)} ? {p(l, 0)} : {p(r, Conditional)}");
            }
        }
        return Make(Unary, false, p => $"({t.Name})({arithmetic(p)})");
    }
}

/// <summary>What CI runs: make check validates this many programs with this seed.</summary>
public static class FuzzDefaults
{
    public const int CiSeed = 20261204;

    public const int CiPrograms = 2000;
}
