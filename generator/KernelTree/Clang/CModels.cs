namespace VhostLog.KernelTree.Clang;

/// <summary>
/// A function definition in a C file. Offsets are byte offsets into the file and
/// <see cref="EndOffset"/> is exclusive: the bytes <c>[StartOffset, EndOffset)</c> run from the
/// first token of the declaration (<c>static</c>, or the return type) through the closing brace.
/// Lines are 1-based and inclusive. <see cref="DocStartOffset"/>/<see cref="DocStartLine"/> locate
/// the kernel-doc <c>/** ... */</c> comment directly before the function, if it has one; the
/// comment ends before <see cref="StartOffset"/> with only white space between.
/// </summary>
public sealed record FunctionExtent(
    string Name,
    bool IsStatic,
    int StartLine,
    int EndLine,
    int StartOffset,
    int EndOffset,
    int? DocStartOffset,
    int? DocStartLine);

public enum CDiagnosticSeverity
{
    Ignored = 0,
    Note = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

/// <summary>One diagnostic clang reported while parsing; <see cref="Text"/> is clang's formatted line.</summary>
public sealed record CDiagnostic(
    CDiagnosticSeverity Severity,
    string? File,
    int Line,
    int Column,
    string Message,
    string Text)
{
    public bool IsError => Severity >= CDiagnosticSeverity.Error;

    public override string ToString() => Text;
}

/// <summary>
/// What one parse of a C file found: the function definitions located in that file (in file
/// order), the fields of the structs asked for (a struct with no definition in sight is absent),
/// and clang's diagnostics.
/// </summary>
public sealed record CParseResult(
    string Path,
    IReadOnlyList<FunctionExtent> Functions,
    IReadOnlyDictionary<string, IReadOnlyList<CField>> StructFields,
    IReadOnlyList<CDiagnostic> Diagnostics)
{
    /// <summary>Errors and fatal errors only.</summary>
    public IReadOnlyList<CDiagnostic> Errors => Diagnostics.Where(d => d.IsError).ToList();
}

/// <summary>One member of a struct: its name and its type as clang spells it (<c>struct vhost_log *</c>).</summary>
public sealed record CField(string Name, string Type);
