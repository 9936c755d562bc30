using System.Text.RegularExpressions;

namespace VhostLog.KernelTree.Clang;

/// <summary>
/// The command line libclang parses a C file with: include directories (searched
/// in order, as <c>-I</c>), files included before the source (<c>-include</c>),
/// preprocessor definitions (<c>NAME</c> or <c>NAME=VALUE</c>), and any other
/// arguments, placed first. <see cref="KbuildNames"/> adds kbuild's per-file
/// <c>KBUILD_BASENAME</c>/<c>KBUILD_MODNAME</c> definitions, worked out from the
/// file name and the Makefile beside it.
/// </summary>
public sealed record CParseOptions(
    IReadOnlyList<string> IncludeDirs,
    IReadOnlyList<string> Defines,
    IReadOnlyList<string> PreIncludes,
    IReadOnlyList<string> ExtraArgs,
    bool KbuildNames = false)
{
    /// <summary>Plain GNU C11 with no include directories: headers that cannot be found are skipped.</summary>
    public static CParseOptions Default { get; } = new([], [], [], ["-std=gnu11"]);

    /// <summary>
    /// Kbuild's flags for an x86_64 module, from <c>make V=1 modules</c> against Debian's
    /// headers, with the gcc-only code generation and warning flags left out and clang's
    /// (<c>--target</c>, kbuild's clang warning switches) put in.
    /// </summary>
    public static IReadOnlyList<string> KernelArgs { get; } =
    [
        "--target=x86_64-linux-gnu", "-nostdinc", "-std=gnu11",
        "-fshort-wchar", "-funsigned-char", "-fno-common", "-fno-PIE", "-fno-strict-aliasing",
        "-m64", "-mno-sse", "-mno-mmx", "-mno-sse2", "-mno-3dnow", "-mno-avx", "-mno-80387",
        "-mno-red-zone", "-mcmodel=kernel", "-fcf-protection=branch",
        "-Wno-gnu", "-Wno-pointer-sign", "-Wno-address-of-packed-member",
        "-Wno-duplicate-decl-specifier", "-Wno-unused-parameter", "-Wno-sign-compare",
        "-Wno-format", "-Wno-pointer-to-enum-cast", "-Wno-tautological-constant-out-of-range-compare",
        "-Wno-enum-compare-conditional", "-Wno-initializer-overrides",
    ];

    /// <summary>The defines kbuild passes for every module object (beside the per-file ones).</summary>
    public static IReadOnlyList<string> KernelDefines { get; } = ["__KERNEL__", "MODULE", "CC_USING_FENTRY"];

    /// <summary>
    /// Stand-ins for the most common kernel annotations, types and Kconfig helpers, used only
    /// when the kernel headers are missing: without them a declaration such as
    /// <c>static int __init f(void)</c> or <c>void __user *p</c> does not parse and its
    /// definition is lost. They are macros, so they would clash with the real headers.
    /// </summary>
    public static IReadOnlyList<string> HeaderlessKernelDefines { get; } =
    [
        // sparse and section annotations, attributes
        "__user=", "__kernel=", "__iomem=", "__rcu=", "__percpu=", "__force=", "__bitwise=",
        "__must_check=", "__init=", "__exit=", "__initdata=", "__exitdata=", "__initconst=",
        "__read_mostly=", "__ro_after_init=", "__always_inline=inline", "noinline=",
        "__maybe_unused=", "__always_unused=", "__used=", "__cold=", "__hot=", "__weak=",
        "__noreturn=", "__packed=", "__visible=", "notrace=", "asmlinkage=",
        "__randomize_layout=", "__cacheline_aligned=", "__cacheline_aligned_in_smp=",
        "__attribute_const__=", "__pure=", "__nocfi=", "__latent_entropy=",
        "__aligned(x)=", "__printf(a,b)=", "__scanf(a,b)=", "__acquires(x)=", "__releases(x)=",
        "__must_hold(x)=", "__counted_by(x)=", "__section(x)=", "__malloc=",
        // types
        "bool=_Bool", "true=1", "false=0", "NULL=((void *)0)",
        "u8=unsigned char", "u16=unsigned short", "u32=unsigned int", "u64=unsigned long long",
        "s8=signed char", "s16=short", "s32=int", "s64=long long",
        "__u8=unsigned char", "__u16=unsigned short", "__u32=unsigned int", "__u64=unsigned long long",
        "__s8=signed char", "__s16=short", "__s32=int", "__s64=long long",
        "__le16=unsigned short", "__le32=unsigned int", "__le64=unsigned long long",
        "__be16=unsigned short", "__be32=unsigned int", "__be64=unsigned long long",
        "__virtio16=unsigned short", "__virtio32=unsigned int", "__virtio64=unsigned long long",
        "size_t=unsigned long", "ssize_t=long", "loff_t=long long", "uintptr_t=unsigned long",
        "gfp_t=unsigned int", "__poll_t=unsigned int", "phys_addr_t=unsigned long long",
        "dma_addr_t=unsigned long long", "atomic_t=struct { int counter; }",
        // Kconfig helpers (nothing is configured)
        "IS_ENABLED(x)=0", "IS_BUILTIN(x)=0", "IS_MODULE(x)=0", "IS_REACHABLE(x)=0",
    ];

    /// <summary>
    /// Options that parse a file of the kernel tree <paramref name="treeDir"/> the way kbuild
    /// compiles it as a module against Debian's headers: <paramref name="headersDir"/> is the
    /// arch package (<c>/usr/src/linux-headers-VERSION-amd64</c>, with the generated headers and
    /// the configuration); its source half (<c>...-common</c>) is found through the include line
    /// of its Makefile. The tree's own <c>include/</c> and <c>arch/x86/include/</c> folders, where
    /// present, come before the packaged ones of the same name, so headers the tree carries win.
    /// When the headers are missing the options still parse: the tree's folders and a few kernel
    /// definitions remain, and clang skips what it cannot find.
    /// </summary>
    public static CParseOptions ForKernelTree(string treeDir, string headersDir)
    {
        var tree = Path.GetFullPath(treeDir);
        var gen = Path.GetFullPath(headersDir);
        var common = FindCommonHeaders(gen);
        var haveHeaders = common is not null
            && File.Exists(Path.Combine(gen, "include", "generated", "autoconf.h"));

        var dirs = new List<string>();
        void Add(string? root, string rel)
        {
            if (root is null) return;
            var d = Path.Combine(root, rel);
            if (Directory.Exists(d) && !dirs.Contains(d)) dirs.Add(d);
        }
        // kbuild's order: arch, arch generated, include, generated include, then the uapi ones.
        Add(tree, "arch/x86/include");
        Add(common, "arch/x86/include");
        Add(gen, "arch/x86/include/generated");
        Add(tree, "include");
        Add(common, "include");
        Add(gen, "include");
        Add(tree, "arch/x86/include/uapi");
        Add(common, "arch/x86/include/uapi");
        Add(gen, "arch/x86/include/generated/uapi");
        Add(tree, "include/uapi");
        Add(common, "include/uapi");
        Add(gen, "include/generated/uapi");

        if (!haveHeaders)
        {
            // No configured headers: parse GNU C with stand-ins for the kernel's annotations, so
            // that declarations still parse; clang skips missing includes. -nostdinc keeps the
            // user-space <linux/...> headers of /usr/include out.
            return new CParseOptions(dirs, [.. KernelDefines, .. HeaderlessKernelDefines], [],
                ["-nostdinc", "-std=gnu11"], KbuildNames: true);
        }

        var pre = new List<string>();
        foreach (var rel in new[] { "include/linux/compiler-version.h", "include/linux/kconfig.h", "include/linux/compiler_types.h" })
        {
            var f = new[] { tree, common! }.Select(r => Path.Combine(r, rel)).FirstOrDefault(File.Exists);
            if (f is not null) pre.Add(f);
        }
        return new CParseOptions(dirs, KernelDefines, pre, KernelArgs, KbuildNames: true);
    }

    /// <summary>
    /// The <c>-common</c> half of Debian's headers: named by the arch package's Makefile
    /// (<c>include /usr/src/linux-headers-...-common/Makefile</c>), or beside it by name.
    /// </summary>
    private static string? FindCommonHeaders(string headersDir)
    {
        if (File.Exists(Path.Combine(headersDir, "include", "linux", "kernel.h")))
            return headersDir; // a full tree or a single-folder headers install
        var makefile = Path.Combine(headersDir, "Makefile");
        if (File.Exists(makefile))
        {
            foreach (var line in File.ReadLines(makefile))
            {
                var m = Regex.Match(line, @"^\s*include\s+(\S+)/Makefile\s*$");
                if (m.Success && Directory.Exists(m.Groups[1].Value))
                    return m.Groups[1].Value;
            }
        }
        var dash = headersDir.TrimEnd('/').LastIndexOf('-');
        if (dash > 0)
        {
            var guess = headersDir[..dash] + "-common";
            if (Directory.Exists(guess)) return guess;
        }
        return null;
    }

    /// <summary>The full argument list passed to libclang for <paramref name="path"/>.</summary>
    public IReadOnlyList<string> ArgumentsFor(string path)
    {
        var args = new List<string>(ExtraArgs);
        foreach (var d in IncludeDirs) args.Add("-I" + d);
        foreach (var f in PreIncludes) { args.Add("-include"); args.Add(f); }
        foreach (var d in Defines) args.Add("-D" + d);
        if (KbuildNames)
        {
            var basename = Identifier(Path.GetFileNameWithoutExtension(path));
            var modname = Identifier(KbuildModuleName(path));
            args.Add($"-DKBUILD_BASENAME=\"{basename}\"");
            args.Add($"-DKBUILD_MODNAME=\"{modname}\"");
            args.Add($"-D__KBUILD_MODNAME=kmod_{modname}");
        }
        return args;
    }

    private static string Identifier(string s) => Regex.Replace(s, @"[^A-Za-z0-9_]", "_");

    /// <summary>
    /// The module a kbuild object ends up in: <c>NAME</c> when the Makefile beside the file
    /// says <c>NAME-y := ... FILE.o</c> (or <c>NAME-objs</c>), else the file's own name.
    /// </summary>
    internal static string KbuildModuleName(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var name in new[] { "Kbuild", "Makefile" })
        {
            var mk = Path.Combine(dir, name);
            if (!File.Exists(mk)) continue;
            var text = File.ReadAllText(mk).Replace("\\\n", " ");
            foreach (Match m in Regex.Matches(text, @"^\s*([A-Za-z0-9_-]+)-(?:y|objs|\$\([A-Z0-9_]+\))\s*[:+]?=(.*)$", RegexOptions.Multiline))
            {
                var objs = m.Groups[2].Value.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (m.Groups[1].Value != "obj" && objs.Contains(stem + ".o"))
                    return m.Groups[1].Value;
            }
        }
        return stem;
    }
}
