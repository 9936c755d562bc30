using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace VhostLog.KernelTree.Clang;

// Raw bindings to the C API of Debian's libclang1-14 (clang-c/Index.h, LLVM 14).
// Only blittable types cross the boundary, so no marshalling stubs are needed.

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXString
{
    public void* Data;
    public uint PrivateFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXType
{
    public int Kind;
    public void* Data0;
    public void* Data1;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXCursor
{
    public int Kind;
    public int Xdata;
    public void* Data0;
    public void* Data1;
    public void* Data2;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceLocation
{
    public void* Ptr0;
    public void* Ptr1;
    public uint IntData;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceRange
{
    public void* Ptr0;
    public void* Ptr1;
    public uint BeginIntData;
    public uint EndIntData;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXUnsavedFile
{
    public byte* Filename;
    public byte* Contents;
    public nuint Length;
}

internal static class CXCursorKind
{
    public const int StructDecl = 2;
    public const int UnionDecl = 3;
    public const int FieldDecl = 6;
    public const int FunctionDecl = 8;
}

internal static class CXTranslationUnitFlags
{
    public const uint DetailedPreprocessingRecord = 0x01;
    public const uint SkipFunctionBodies = 0x40;
    public const uint KeepGoing = 0x200;
    public const uint SingleFileParse = 0x400;
}

internal static class CXChildVisitResult
{
    public const int Break = 0;
    public const int Continue = 1;
    public const int Recurse = 2;
}

internal static class CXStorageClass
{
    public const int Static = 3;
}

internal static unsafe partial class LibClang
{
    /// <summary>The soname Debian's libclang1-14 package installs.</summary>
    public const string Library = "libclang-14.so.1";

    [LibraryImport(Library)]
    public static partial void* clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);

    [LibraryImport(Library)]
    public static partial void clang_disposeIndex(void* index);

    [LibraryImport(Library)]
    public static partial int clang_parseTranslationUnit2(
        void* index, byte* sourceFilename, byte** commandLineArgs, int numCommandLineArgs,
        CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, uint options, void** outTu);

    [LibraryImport(Library)]
    public static partial void clang_disposeTranslationUnit(void* tu);

    [LibraryImport(Library)]
    public static partial byte* clang_getCString(CXString s);

    [LibraryImport(Library)]
    public static partial void clang_disposeString(CXString s);

    [LibraryImport(Library)]
    public static partial uint clang_getNumDiagnostics(void* tu);

    [LibraryImport(Library)]
    public static partial void* clang_getDiagnostic(void* tu, uint index);

    [LibraryImport(Library)]
    public static partial void clang_disposeDiagnostic(void* diagnostic);

    [LibraryImport(Library)]
    public static partial int clang_getDiagnosticSeverity(void* diagnostic);

    [LibraryImport(Library)]
    public static partial CXString clang_getDiagnosticSpelling(void* diagnostic);

    [LibraryImport(Library)]
    public static partial CXSourceLocation clang_getDiagnosticLocation(void* diagnostic);

    [LibraryImport(Library)]
    public static partial CXString clang_formatDiagnostic(void* diagnostic, uint options);

    [LibraryImport(Library)]
    public static partial uint clang_defaultDiagnosticDisplayOptions();

    [LibraryImport(Library)]
    public static partial CXCursor clang_getTranslationUnitCursor(void* tu);

    [LibraryImport(Library)]
    public static partial uint clang_visitChildren(
        CXCursor parent,
        delegate* unmanaged[Cdecl]<CXCursor, CXCursor, void*, int> visitor,
        void* clientData);

    [LibraryImport(Library)]
    public static partial int clang_getCursorKind(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXString clang_getCursorSpelling(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial uint clang_isCursorDefinition(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXType clang_getCursorType(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXString clang_getTypeSpelling(CXType type);

    [LibraryImport(Library)]
    public static partial uint clang_Cursor_isAnonymousRecordDecl(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial int clang_Cursor_getStorageClass(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXSourceRange clang_getCursorExtent(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial CXSourceRange clang_Cursor_getCommentRange(CXCursor cursor);

    [LibraryImport(Library)]
    public static partial int clang_Range_isNull(CXSourceRange range);

    [LibraryImport(Library)]
    public static partial CXSourceLocation clang_getRangeStart(CXSourceRange range);

    [LibraryImport(Library)]
    public static partial CXSourceLocation clang_getRangeEnd(CXSourceRange range);

    [LibraryImport(Library)]
    public static partial void clang_getExpansionLocation(
        CXSourceLocation location, void** file, uint* line, uint* column, uint* offset);

    [LibraryImport(Library)]
    public static partial void clang_getSpellingLocation(
        CXSourceLocation location, void** file, uint* line, uint* column, uint* offset);

    [LibraryImport(Library)]
    public static partial CXString clang_getFileName(void* file);

    [LibraryImport(Library)]
    public static partial void* clang_getFile(void* tu, byte* fileName);

    [LibraryImport(Library)]
    public static partial int clang_File_isEqual(void* file1, void* file2);

    /// <summary>Copies a CXString into a managed string and disposes it.</summary>
    public static string Take(CXString s)
    {
        try
        {
            var p = clang_getCString(s);
            return p == null ? "" : Marshal.PtrToStringUTF8((nint)p) ?? "";
        }
        finally
        {
            clang_disposeString(s);
        }
    }

    private static readonly Lazy<string?> LoadError = new(() =>
    {
        if (NativeLibrary.TryLoad(Library, typeof(LibClang).Assembly, null, out _))
            return null;
        return $"{Library} could not be loaded: libclang is needed to parse C files. " +
               "Install Debian's libclang1-14 package (apt-get install libclang1-14).";
    });

    /// <summary>Throws a <see cref="UsageException"/> naming the package when libclang is missing.</summary>
    public static void EnsureLoaded()
    {
        if (LoadError.Value is { } message)
            throw new UsageException(message);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsNull(CXSourceRange range) => clang_Range_isNull(range) != 0;
}
