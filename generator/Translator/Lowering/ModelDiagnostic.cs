namespace VhostLog.Translator.Lowering;

/// <summary>
/// The codes of constructs outside the model language. Each means the C#
/// and the C of a construct could disagree, or that C has no counterpart.
/// </summary>
public static class Codes
{
    public const string CompileError = "VL0001";
    public const string UnsupportedStatement = "VL1001";
    public const string UnsupportedExpression = "VL1002";
    public const string CheckedContext = "VL1003";
    public const string UnsafeShift = "VL1004";
    public const string MixedSignedness = "VL1005";
    public const string ImplicitType = "VL1006";
    public const string UnsupportedType = "VL1007";
    public const string UnknownCall = "VL1008";
    public const string UnsupportedForeach = "VL1009";
    public const string NotOverridable = "VL1010";
    public const string UnsupportedComment = "VL1011";
    public const string UnsupportedUnion = "VL1012";
    public const string UnsizedStruct = "VL1013";
    public const string PromotedOverflow = "VL1014";

    /// <summary>Every code the model-language checks report (VL0001 is the C# compiler's own errors).</summary>
    public static System.Collections.Immutable.ImmutableArray<string> Checks { get; } =
    [
        UnsupportedStatement, UnsupportedExpression, CheckedContext, UnsafeShift, MixedSignedness, ImplicitType,
        UnsupportedType, UnknownCall, UnsupportedForeach, NotOverridable, UnsupportedComment, UnsupportedUnion,
        UnsizedStruct, PromotedOverflow,
    ];

    /// <summary>What to write instead, per code (printed with every diagnostic).</summary>
    public static string Advice(string code) => code switch
    {
        CompileError => "fix the C# error first",
        UnsupportedStatement => "use if/for/while/do/return/break/continue, blocks and declarations",
        UnsupportedExpression => "use integer arithmetic, comparisons, field access, indexing, casts and calls",
        CheckedContext => "remove checked/unchecked: kernel arithmetic wraps, which is the default here",
        UnsafeShift => "shift by a constant smaller than the operand's width (C# masks the count, C is undefined)",
        MixedSignedness => "convert one side explicitly: C compares int with unsigned as unsigned, C# widens both to long",
        ImplicitType => "write the kernel type (u64, int, struct ...) instead of var",
        UnsupportedType => "use a kernel type alias (u8..u64, int, bool, size_t, unsigned_int, ...), UserPtr or a [KernelStruct]",
        UnknownCall => "call a model function or declare the kernel API as an [Extern] in KernelModel",
        UnsupportedForeach => "iterate kernel lists with foreach (T x in list_for_each_entry(head))",
        NotOverridable => "declare model functions virtual in Baseline and override them in later states",
        UnsupportedComment => "put comments on their own lines before a statement",
        UnsupportedUnion => "declare a local of an [AnonymousUnion] struct whose members are kernel structs or integers, each at [FieldOffset(0)]",
        PromotedOverflow => "convert an operand to u32 (or u64) first, so the arithmetic is unsigned and wraps as in C#",
        UnsizedStruct => "give the struct its C layout: [StructLayout(LayoutKind.Explicit, Size = N)] with each member at its C offset",
        _ => "",
    };
}

public sealed record ModelDiagnostic(string Code, string File, int Line, string Message)
{
    public override string ToString() => $"{File}:{Line}: error {Code}: {Message} ({Codes.Advice(Code)})";
}

/// <summary>Thrown when model sources use constructs outside the model language.</summary>
public sealed class ModelLanguageException(IReadOnlyList<ModelDiagnostic> diagnostics)
    : Exception(string.Join(Environment.NewLine, diagnostics))
{
    public IReadOnlyList<ModelDiagnostic> Diagnostics { get; } = diagnostics;
}
