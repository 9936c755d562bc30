using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace VhostLog.TranslationValidation;

/// <summary>An integer type of the model language: its C# name (which is also its kernel C name, or maps to it) and width.</summary>
public sealed record FuzzType(string Name, int Bits)
{
    public static ImmutableArray<FuzzType> All { get; } =
        [new("u8", 8), new("u16", 16), new("u32", 32), new("unsigned_int", 32), new("u64", 64), new("size_t", 64)];

    /// <summary>
    /// Narrower than int: C and C# both promote it to int before any
    /// arithmetic, so an expression of this type is a cast of int arithmetic.
    /// </summary>
    public bool Promoted => Bits < 32;

    /// <summary>The C spelling (the model language writes unsigned_int for C's unsigned int).</summary>
    public string C => Name == "unsigned_int" ? "unsigned int" : Name;

    public ulong Mask => Bits == 64 ? ulong.MaxValue : (1UL << Bits) - 1;

    public string Suffix => Bits == 64 ? "UL" : "U";

    /// <summary>A constant of this type in C#: a narrow one is an int constant cast to it.</summary>
    public string Constant(ulong value) =>
        Promoted ? $"({Name}){value.ToString(CultureInfo.InvariantCulture)}" : value.ToString(CultureInfo.InvariantCulture) + Suffix;
}

/// <summary>How a parameter is passed: by value, as a ref (C: a pointer), or as a Ptr&lt;T&gt; (C: a pointer).</summary>
public enum FuzzKind
{
    Value,
    Ref,
    Ptr,
}

public sealed record FuzzParam(string Name, FuzzType Type, FuzzKind Kind);

/// <summary>One random model function: its C# text and how to call it.</summary>
public sealed record FuzzFunction(string Name, string Source, ImmutableArray<FuzzParam> Params, FuzzType Return);

/// <summary>
/// Random well-typed functions of the model language, from a seed: unsigned
/// arithmetic of 8, 16, 32 and 64 bits (u8 and u16 through the int both
/// languages promote them to, cast back), shifts by a constant within the
/// width (and, now and then, by a computed count, or a u8/u16 product or
/// shift that can overflow int: constructs the language must reject),
/// division by a non-zero value, casts
/// between widths, ternaries, short-circuit conditions, compound
/// assignment, pre- and post-increments of locals, refs and Ptr values, an
/// if/else (braced, and an if-else inside an if without braces), a loop with
/// break and continue, early returns, a goto to the final return, and calls
/// of the pure externs min(), likely() and unlikely(). Expressions
/// carry only the parentheses C#'s precedence needs, so the C printer must
/// find every one C needs by itself.
/// </summary>
public sealed class ProgramGenerator(int seed)
{
    readonly Random random = new(seed);

    sealed record Var(string Access, FuzzType Type);

    /// <summary>An expression and how tightly it binds (C#'s levels, which are C's for these operators).</summary>
    sealed record Ex(string Text, int Level, bool Constant);

    const int Primary = 16, Unary = 14, Multiplicative = 13, Additive = 12, Shift = 11, Relational = 10, Equality = 9,
        BitAnd = 8, BitXor = 7, BitOr = 6, LogAnd = 5, LogOr = 4, Conditional = 3;

    T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

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
        var ret = Pick(FuzzType.All);
        var vars = ps.Select(p => new Var(p.Kind == FuzzKind.Ptr ? $"{p.Name}.Value" : p.Name, p.Type)).ToList();

        var body = new StringBuilder();
        var locals = random.Next(1, 4);
        for (var i = 0; i < locals; i++)
        {
            var t = Pick(FuzzType.All);
            body.Append($"        {t.Name} x{i} = {Expr(t, vars, 2).Text};\n");
            vars.Add(new Var($"x{i}", t));
        }
        body.Append("        int i;\n\n");
        var statements = random.Next(2, 6);
        var looped = false;
        var jumped = false;
        for (var i = 0; i < statements; i++)
        {
            var roll = random.Next(10);
            if (roll < 4)
                body.Append(Assignment(vars, "        "));
            else if (roll < 6)
                body.Append(Increment(vars, "        "));
            else if (roll < 8)
                body.Append($"        if ({Cond(vars, 2).Text}) {{\n{Assignment(vars, "            ")}{Increment(vars, "            ")}        }} else {{\n{Assignment(vars, "            ")}        }}\n");
            else if (roll == 8 && !looped)
            {
                looped = true;
                body.Append($"        for (i = 0; i < {random.Next(1, 6)}; i++) {{\n")
                    .Append(Assignment(vars, "            "))
                    .Append($"            if ({Cond(vars, 1).Text})\n                break;\n")
                    .Append($"            if ({Cond(vars, 1).Text})\n                continue;\n")
                    .Append(Increment(vars, "            "))
                    .Append("        }\n");
            }
            else if (roll == 8 && !jumped && random.Next(2) == 0)
            {
                jumped = true;
                body.Append($"        if ({Cond(vars, 1).Text})\n            goto done;\n");
            }
            else if (roll == 8)
                // An if-else inside an if, without braces: the else is the inner if's in both languages.
                body.Append($"        if ({Cond(vars, 1).Text})\n            if ({Cond(vars, 1).Text})\n{Assignment(vars, "                ")}            else\n{Assignment(vars, "                ")}");
            else
                body.Append($"        if ({Cond(vars, 2).Text})\n            return {Expr(ret, vars, 2).Text};\n");
        }
        body.Append(jumped ? "    done:\n" : "").Append($"        return {Expr(ret, vars, 3).Text};\n");

        var parameters = string.Join(", ", ps.Select(p => p.Kind switch
        {
            FuzzKind.Ref => $"ref {p.Type.Name} {p.Name}",
            FuzzKind.Ptr => $"Ptr<{p.Type.Name}> {p.Name}",
            _ => $"{p.Type.Name} {p.Name}",
        }));
        var source = $"    protected virtual {ret.Name} {name}({parameters})\n    {{\n{body}    }}\n";
        return new FuzzFunction(name, source, [.. ps], ret);
    }

    string Assignment(List<Var> vars, string indent)
    {
        var target = Pick(vars);
        var value = Expr(target.Type, vars, 2);
        return random.Next(4) switch
        {
            0 => $"{indent}{target.Access} = {value.Text};\n",
            1 => $"{indent}{target.Access} {CompoundOperator(target.Type)} {value.Text};\n",
            2 => $"{indent}{target.Access} {Pick(new[] { "<<=", ">>=" })} {ShiftCount(target.Type, vars)};\n",
            _ => $"{indent}{target.Access} = {Paren(Cond(vars, 1), Conditional + 1)} ? {value.Text} : {Paren(Expr(target.Type, vars, 1), Conditional)};\n",
        };
    }

    /// <summary>
    /// A compound assignment operator. On a u16 a product can overflow the
    /// int C computes it in (VL1014), so *= is drawn there only as often as
    /// the constructs the language must reject.
    /// </summary>
    string CompoundOperator(FuzzType t) =>
        t.Bits == 16 && random.Next(8) > 0 ? Pick(new[] { "+=", "-=", "&=", "|=", "^=" }) : Pick(new[] { "+=", "-=", "*=", "&=", "|=", "^=" });

    string Increment(List<Var> vars, string indent)
    {
        var target = Pick(vars).Access;
        return $"{indent}{Pick(new[] { $"{target}++", $"++{target}", $"{target}--", $"--{target}" })};\n";
    }

    /// <summary>
    /// A shift count: a constant within the width, as the model language
    /// requires (VL1004); one in 32 is a computed count, which the language
    /// must reject.
    /// </summary>
    string ShiftCount(FuzzType t, List<Var> vars) =>
        random.Next(32) == 0
            ? $"(int)({Paren(Leaf(t, vars, variable: true), BitAnd)} & {t.Bits - 1}{t.Suffix})"
            : random.Next(t.Bits).ToString(CultureInfo.InvariantCulture);

    static string Paren(Ex e, int level) => e.Level < level ? $"({e.Text})" : e.Text;

    /// <summary>A condition (C# bool).</summary>
    Ex Cond(List<Var> vars, int depth)
    {
        if (depth <= 0 || random.Next(3) > 0)
        {
            var t = Pick(FuzzType.All);
            var (op, level) = Pick(new[] { ("<", Relational), ("<=", Relational), (">", Relational), (">=", Relational), ("==", Equality), ("!=", Equality) });
            var l = Expr(t, vars, depth - 1);
            var r = Expr(t, vars, depth - 1);
            if (l.Constant && r.Constant)
                l = Leaf(t, vars, variable: true);
            return new Ex($"{Paren(l, level)} {op} {Paren(r, level + 1)}", level, false);
        }
        return random.Next(4) switch
        {
            0 => new Ex($"!{Paren(Cond(vars, depth - 1), Unary)}", Unary, false),
            1 => Logical("&&", LogAnd, vars, depth),
            2 => Logical("||", LogOr, vars, depth),
            _ => new Ex($"{Pick(new[] { "likely", "unlikely" })}({Cond(vars, depth - 1).Text})", Primary, false),
        };
    }

    Ex Logical(string op, int level, List<Var> vars, int depth) =>
        new($"{Paren(Cond(vars, depth - 1), level)} {op} {Paren(Cond(vars, depth - 1), level + 1)}", level, false);

    Ex Leaf(FuzzType t, List<Var> vars, bool variable = false)
    {
        if (variable || random.Next(3) > 0)
        {
            var v = Pick(vars);
            return v.Type.Bits == t.Bits ? new Ex(v.Access, Primary, false) : new Ex($"({t.Name}){v.Access}", Unary, false);
        }
        var value = random.Next(4) switch
        {
            0 => t.Mask,
            1 => 1UL << (t.Bits - 1),
            _ => (ulong)random.Next(0, 40),
        };
        return new Ex(t.Constant(value), t.Promoted ? Unary : Primary, true);
    }

    /// <summary>An expression of the type's width (C#: uint or ulong).</summary>
    Ex Expr(FuzzType t, List<Var> vars, int depth)
    {
        if (depth <= 0 || random.Next(4) == 0)
            return Leaf(t, vars);
        if (t.Promoted)
            return Narrow(t, vars, depth);
        switch (random.Next(9))
        {
            case 8:
                return new Ex($"min({Expr(t, vars, depth - 1).Text}, {Expr(t, vars, depth - 1).Text})", Primary, false);
            case 0:
            case 1:
            case 2:
            {
                var (op, level) = Pick(new[] { ("+", Additive), ("-", Additive), ("*", Multiplicative), ("&", BitAnd), ("|", BitOr), ("^", BitXor) });
                var l = Expr(t, vars, depth - 1);
                var r = Expr(t, vars, depth - 1);
                if (l.Constant && r.Constant)
                    l = Leaf(t, vars, variable: true);
                return new Ex($"{Paren(l, level)} {op} {Paren(r, level + 1)}", level, false);
            }
            case 3:
            {
                var op = Pick(new[] { "/", "%" });
                var l = Expr(t, vars, depth - 1);
                if (l.Constant)
                    l = Leaf(t, vars, variable: true);
                return new Ex($"{Paren(l, Multiplicative)} {op} ({Paren(Expr(t, vars, depth - 1), BitOr)} | 1{t.Suffix})", Multiplicative, false);
            }
            case 4:
            {
                var l = Expr(t, vars, depth - 1);
                if (l.Constant)
                    l = Leaf(t, vars, variable: true);
                return new Ex($"{Paren(l, Shift)} {Pick(new[] { "<<", ">>" })} {ShiftCount(t, vars)}", Shift, false);
            }
            case 5:
                return new Ex($"{Paren(Cond(vars, depth - 1), LogOr)} ? {Expr(t, vars, depth - 1).Text} : {Paren(Expr(t, vars, depth - 1), Conditional)}", Conditional, false);
            case 6:
            {
                var other = Pick(FuzzType.All.Where(o => o.Bits != t.Bits).ToList());
                var inner = Expr(other, vars, depth - 1);
                if (inner.Constant)
                    inner = Leaf(other, vars, variable: true);
                return new Ex($"({t.Name}){Paren(inner, Primary)}", Unary, false);
            }
            default:
            {
                var operand = Expr(t, vars, depth - 1);
                return new Ex($"~{Paren(operand, Unary)}", Unary, operand.Constant);
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
        string arithmetic;
        switch (random.Next(6))
        {
            case 0:
            case 1:
            {
                var (op, level) = t.Bits == 16 && random.Next(8) > 0
                    ? Pick(new[] { ("+", Additive), ("-", Additive), ("&", BitAnd), ("|", BitOr), ("^", BitXor) })
                    : Pick(new[] { ("+", Additive), ("-", Additive), ("*", Multiplicative), ("&", BitAnd), ("|", BitOr), ("^", BitXor) });
                arithmetic = $"{Paren(l, level)} {op} {Paren(r, level + 1)}";
                break;
            }
            case 2:
                arithmetic = $"{Paren(l, Multiplicative)} {Pick(new[] { "/", "%" })} ({Paren(r, BitOr)} | 1)";
                break;
            case 3:
            {
                // Within int: 0..31-width, and past it now and then (VL1014).
                var count = random.Next(16) == 0 ? random.Next(32 - t.Bits, 32) : random.Next(32 - t.Bits);
                arithmetic = $"{Paren(l, Shift)} {Pick(new[] { "<<", ">>" })} {count}";
                break;
            }
            case 4:
                arithmetic = $"~{Paren(l, Unary)}";
                break;
            default:
                return new Ex($"{Paren(Cond(vars, depth - 1), LogOr)} ? {l.Text} : {Paren(r, Conditional)}", Conditional, false);
        }
        return new Ex($"({t.Name})({arithmetic})", Unary, false);
    }
}

/// <summary>What CI runs: make check validates this many programs with this seed.</summary>
public static class FuzzDefaults
{
    public const int CiSeed = 20261204;

    public const int CiPrograms = 2000;
}
