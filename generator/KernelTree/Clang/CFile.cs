using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VhostLog.KernelTree.Clang;

/// <summary>
/// Parses a C file with libclang and reports its function definitions, the fields of
/// structs it can see, and clang's diagnostics. libclang keeps going after errors, so a
/// file whose headers are missing still yields the definitions clang could make out.
/// </summary>
public static unsafe class CFile
{
    /// <summary>Parses <paramref name="path"/> once and returns everything asked for.</summary>
    /// <param name="structNames">Structs (by tag, without <c>struct</c>) whose fields to list.</param>
    /// <param name="contents">
    /// The file's text to parse in place of what is on disk (the file then need not exist;
    /// quoted includes are still looked up beside <paramref name="path"/>). Offsets index it.
    /// </param>
    /// <param name="skipBodies">
    /// Parse no function body: the extents and kernel-doc of definitions and struct fields
    /// stay, while diagnostics from inside bodies are not reported.
    /// </param>
    public static CParseResult Parse(
        string path, CParseOptions options, IEnumerable<string>? structNames = null, byte[]? contents = null,
        bool skipBodies = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        var full = System.IO.Path.GetFullPath(path);
        if (contents is null && !File.Exists(full))
            throw new FileNotFoundException($"{path}: no such C file", full);
        LibClang.EnsureLoaded();
        // clang parses exactly these bytes, so offsets and the text callers slice agree.
        var bytes = contents ?? File.ReadAllBytes(full);
        var wanted = structNames?.Distinct().ToList() ?? [];

        var index = LibClang.clang_createIndex(0, 0);
        if (index == null)
            throw new InvalidOperationException("clang_createIndex failed");
        try
        {
            var tu = ParseTranslationUnit(index, full, bytes, options.ArgumentsFor(full),
                CXTranslationUnitFlags.KeepGoing | (skipBodies ? CXTranslationUnitFlags.SkipFunctionBodies : 0));
            try
            {
                var root = LibClang.clang_getTranslationUnitCursor(tu);
                var functions = Functions(root, MainFile(tu, full), bytes, skipBodies);
                var fields = new Dictionary<string, IReadOnlyList<CField>>(StringComparer.Ordinal);
                foreach (var name in wanted)
                {
                    if (FindStruct(root, name) is { } def)
                        fields[name] = Fields(def);
                }
                return new CParseResult(full, functions, fields, Diagnostics(tu));
            }
            finally
            {
                LibClang.clang_disposeTranslationUnit(tu);
            }
        }
        finally
        {
            LibClang.clang_disposeIndex(index);
        }
    }

    /// <summary>The function definitions located in <paramref name="path"/> itself, in file order.</summary>
    /// <remarks>
    /// Function bodies are not parsed (clang still finds where each one ends):
    /// most of the time of a parse is the kernel headers' inline functions.
    /// </remarks>
    public static IReadOnlyList<FunctionExtent> FunctionDefinitions(string path, CParseOptions options) =>
        Parse(path, options, skipBodies: true).Functions;

    /// <summary>
    /// The field names of <c>struct <paramref name="structName"/></c> as seen from
    /// <paramref name="path"/> (its definition may be in any header the file includes), in
    /// declaration order; fields of anonymous structs and unions inside it are listed in place,
    /// since C code names them directly. Empty when no definition is in sight.
    /// </summary>
    public static IReadOnlyList<string> StructFields(string path, string structName, CParseOptions options) =>
        Parse(path, options, [structName]).StructFields.GetValueOrDefault(structName)?.Select(f => f.Name).ToList() ?? [];

    private static void* ParseTranslationUnit(void* index, string path, byte[] contents, IReadOnlyList<string> args, uint flags)
    {
        var allocated = new List<nint>(args.Count + 1);
        try
        {
            var file = (byte*)Marshal.StringToCoTaskMemUTF8(path);
            allocated.Add((nint)file);
            var argv = (byte**)Marshal.AllocCoTaskMem(sizeof(byte*) * Math.Max(1, args.Count));
            allocated.Add((nint)argv);
            for (var i = 0; i < args.Count; i++)
            {
                argv[i] = (byte*)Marshal.StringToCoTaskMemUTF8(args[i]);
                allocated.Add((nint)argv[i]);
            }
            fixed (byte* text = contents)
            {
                // A non-null pointer even for an empty file.
                byte empty = 0;
                var unsaved = new CXUnsavedFile
                {
                    Filename = file,
                    Contents = contents.Length == 0 ? &empty : text,
                    Length = (nuint)contents.Length,
                };
                void* tu = null;
                var rc = LibClang.clang_parseTranslationUnit2(
                    index, file, argv, args.Count, &unsaved, 1, flags, &tu);
                if (rc != 0 || tu == null)
                    throw new InvalidOperationException(
                        $"libclang could not parse {path} (CXErrorCode {rc}); arguments: {string.Join(' ', args)}");
                return tu;
            }
        }
        finally
        {
            foreach (var p in allocated) Marshal.FreeCoTaskMem(p);
        }
    }

    // ---- visiting -------------------------------------------------------------

    private sealed class VisitState(Func<CXCursor, bool> keep)
    {
        public readonly List<CXCursor> Cursors = [];
        public readonly Func<CXCursor, bool> Keep = keep;
        public Exception? Error;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Visit(CXCursor cursor, CXCursor parent, void* data)
    {
        var state = (VisitState)GCHandle.FromIntPtr((nint)data).Target!;
        try
        {
            if (state.Keep(cursor))
                state.Cursors.Add(cursor);
            return CXChildVisitResult.Continue;
        }
        catch (Exception e)
        {
            // An exception must not unwind into libclang.
            state.Error = e;
            return CXChildVisitResult.Break;
        }
    }

    /// <summary>The direct children of <paramref name="parent"/> that <paramref name="keep"/> accepts.</summary>
    private static List<CXCursor> Children(CXCursor parent, Func<CXCursor, bool> keep)
    {
        var state = new VisitState(keep);
        var handle = GCHandle.Alloc(state);
        try
        {
            LibClang.clang_visitChildren(parent, &Visit, (void*)GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
        if (state.Error is not null)
            throw new InvalidOperationException("visiting libclang cursors failed", state.Error);
        return state.Cursors;
    }

    // ---- functions --------------------------------------------------------------

    private static void* MainFile(void* tu, string path)
    {
        var name = (byte*)Marshal.StringToCoTaskMemUTF8(path);
        try
        {
            return LibClang.clang_getFile(tu, name);
        }
        finally
        {
            Marshal.FreeCoTaskMem((nint)name);
        }
    }

    /// <summary>
    /// Top-level function definitions whose name, first token and closing brace are written in
    /// the main file (after macro expansion: a definition whose return type is a macro counts,
    /// one that a macro generates whole does not, as its body's brace is not in the file).
    /// </summary>
    private static List<FunctionExtent> Functions(CXCursor root, void* mainFile, byte[] bytes, bool skippedBodies)
    {
        var cursors = Children(root, c =>
            LibClang.clang_getCursorKind(c) == CXCursorKind.FunctionDecl
            // A skipped body does not make a definition for clang; the
            // closing brace checked below tells definitions from prototypes.
            && (skippedBodies || LibClang.clang_isCursorDefinition(c) != 0)
            && Expansion(LibClang.clang_getCursorLocation(c), mainFile).InMain);

        var result = new List<FunctionExtent>(cursors.Count);
        foreach (var c in cursors)
        {
            var extent = LibClang.clang_getCursorExtent(c);
            var start = Expansion(LibClang.clang_getRangeStart(extent), mainFile);
            var end = Expansion(LibClang.clang_getRangeEnd(extent), mainFile);
            if (skippedBodies && end.InMain && BodyEnd(bytes, end.Offset) is var (bodyEnd, bodyEndLine) && bodyEnd > 0)
                end = end with { Offset = bodyEnd, Line = bodyEndLine };
            if (!start.InMain || !end.InMain || end.Offset <= start.Offset || end.Offset > bytes.Length
                || bytes[end.Offset - 1] != '}')
                continue;

            int? docOffset = null, docLine = null;
            var comment = LibClang.clang_Cursor_getCommentRange(c);
            if (!LibClang.IsNull(comment))
            {
                var cs = Expansion(LibClang.clang_getRangeStart(comment), mainFile);
                var ce = Expansion(LibClang.clang_getRangeEnd(comment), mainFile);
                if (cs.InMain && ce.InMain && IsDirectKernelDoc(bytes, cs.Offset, ce.Offset, start.Offset))
                {
                    docOffset = cs.Offset;
                    docLine = cs.Line;
                }
            }

            result.Add(new FunctionExtent(
                LibClang.Take(LibClang.clang_getCursorSpelling(c)),
                LibClang.clang_Cursor_getStorageClass(c) == CXStorageClass.Static,
                start.Line, end.Line, start.Offset, end.Offset, docOffset, docLine));
        }
        result.Sort((a, b) => a.StartOffset.CompareTo(b.StartOffset));
        return result;
    }

    /// <summary>
    /// Where the body of a function whose declarator ends at <paramref name="from"/> ends (just
    /// after its closing brace), and that brace's line; (-1, 0) for a prototype. Attribute
    /// macros between the declarator and the body are passed over; braces in comments and in
    /// string or character literals do not count.
    /// </summary>
    private static (int Offset, int Line) BodyEnd(byte[] bytes, int from)
    {
        var i = from;
        var parens = 0;
        while (i < bytes.Length && !(parens == 0 && bytes[i] == '{'))
        {
            if (bytes[i] == ';' && parens == 0)
                return (-1, 0);
            parens += bytes[i] == '(' ? 1 : bytes[i] == ')' ? -1 : 0;
            i = SkipCommentOrLiteral(bytes, i);
        }
        var depth = 0;
        for (; i < bytes.Length; i = SkipCommentOrLiteral(bytes, i))
        {
            if (bytes[i] == '{')
                depth++;
            else if (bytes[i] == '}' && --depth == 0)
                return (i + 1, 1 + bytes.AsSpan(0, i).Count((byte)'\n'));
        }
        return (-1, 0);
    }

    /// <summary>The offset after the comment or literal starting at <paramref name="i"/>, or i + 1.</summary>
    private static int SkipCommentOrLiteral(byte[] bytes, int i)
    {
        var next = i + 1 < bytes.Length ? bytes[i + 1] : (byte)0;
        if (bytes[i] == '/' && next == '*')
        {
            var close = bytes.AsSpan(i + 2).IndexOf("*/"u8);
            return close < 0 ? bytes.Length : i + 2 + close + 2;
        }
        if (bytes[i] == '/' && next == '/')
        {
            var eol = bytes.AsSpan(i).IndexOf((byte)'\n');
            return eol < 0 ? bytes.Length : i + eol + 1;
        }
        if (bytes[i] is (byte)'"' or (byte)'\'')
        {
            var quote = bytes[i];
            for (var j = i + 1; j < bytes.Length; j++)
            {
                if (bytes[j] == '\\')
                    j++;
                else if (bytes[j] == quote || bytes[j] == '\n')
                    return j + 1;
            }
            return bytes.Length;
        }
        return i + 1;
    }

    /// <summary>
    /// A <c>/** ... */</c> comment at [<paramref name="from"/>, <paramref name="to"/>) with only
    /// white space between it and the function at <paramref name="function"/>.
    /// </summary>
    private static bool IsDirectKernelDoc(byte[] bytes, int from, int to, int function)
    {
        if (from < 0 || to > function || to - from < 5) return false;
        if (bytes[from] != '/' || bytes[from + 1] != '*' || bytes[from + 2] != '*') return false;
        if (bytes[to - 2] != '*' || bytes[to - 1] != '/') return false;
        for (var i = to; i < function; i++)
        {
            if (bytes[i] is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\f' or (byte)'\v'))
                return false;
        }
        return true;
    }

    private readonly record struct FilePos(bool InMain, int Line, int Column, int Offset);

    /// <summary>Where <paramref name="loc"/> is in the file, after macro expansion.</summary>
    private static FilePos Expansion(CXSourceLocation loc, void* mainFile)
    {
        void* file;
        uint line, column, offset;
        LibClang.clang_getExpansionLocation(loc, &file, &line, &column, &offset);
        return new FilePos(file != null && mainFile != null && LibClang.clang_File_isEqual(file, mainFile) != 0,
            (int)line, (int)column, (int)offset);
    }

    // ---- structs --------------------------------------------------------------

    private static bool IsRecord(CXCursor c) =>
        LibClang.clang_getCursorKind(c) is CXCursorKind.StructDecl or CXCursorKind.UnionDecl;

    private static CXCursor? FindStruct(CXCursor root, string name)
    {
        // C puts nested struct tags in file scope too, so look inside records when the
        // top level has no definition.
        var pending = new Queue<CXCursor>();
        pending.Enqueue(root);
        while (pending.Count > 0)
        {
            var records = Children(pending.Dequeue(), IsRecord);
            foreach (var r in records)
            {
                if (LibClang.clang_getCursorKind(r) == CXCursorKind.StructDecl
                    && LibClang.clang_isCursorDefinition(r) != 0
                    && LibClang.Take(LibClang.clang_getCursorSpelling(r)) == name)
                    return r;
            }
            foreach (var r in records)
            {
                if (LibClang.clang_isCursorDefinition(r) != 0)
                    pending.Enqueue(r);
            }
        }
        return null;
    }

    private static IReadOnlyList<CField> Fields(CXCursor record)
    {
        var names = new List<CField>();
        foreach (var c in Children(record, c => LibClang.clang_getCursorKind(c) == CXCursorKind.FieldDecl || IsRecord(c)))
        {
            if (IsRecord(c))
            {
                if (LibClang.clang_Cursor_isAnonymousRecordDecl(c) != 0)
                    names.AddRange(Fields(c));
                continue;
            }
            var name = LibClang.Take(LibClang.clang_getCursorSpelling(c));
            if (name.Length > 0)
                names.Add(new CField(name, LibClang.Take(LibClang.clang_getTypeSpelling(LibClang.clang_getCursorType(c)))));
        }
        return names;
    }

    // ---- diagnostics ------------------------------------------------------------

    private static List<CDiagnostic> Diagnostics(void* tu)
    {
        var count = LibClang.clang_getNumDiagnostics(tu);
        var options = LibClang.clang_defaultDiagnosticDisplayOptions();
        var list = new List<CDiagnostic>((int)count);
        for (uint i = 0; i < count; i++)
        {
            var d = LibClang.clang_getDiagnostic(tu, i);
            if (d == null) continue;
            try
            {
                var loc = LibClang.clang_getDiagnosticLocation(d);
                void* file;
                uint line, column, offset;
                LibClang.clang_getExpansionLocation(loc, &file, &line, &column, &offset);
                string? fileName = file == null ? null : LibClang.Take(LibClang.clang_getFileName(file));
                list.Add(new CDiagnostic(
                    (CDiagnosticSeverity)LibClang.clang_getDiagnosticSeverity(d),
                    string.IsNullOrEmpty(fileName) ? null : fileName,
                    (int)line, (int)column,
                    LibClang.Take(LibClang.clang_getDiagnosticSpelling(d)),
                    LibClang.Take(LibClang.clang_formatDiagnostic(d, options))));
            }
            finally
            {
                LibClang.clang_disposeDiagnostic(d);
            }
        }
        return list;
    }
}
