using VhostLog.KernelTree;

namespace VhostLog.Series.Verify;

/// <summary>
/// The external programs the verify stage runs, located once. Anything missing is
/// a <see cref="UsageException"/> that names the Debian package and `make deps`.
/// </summary>
internal sealed record Toolchain(
    string Git,
    string Perl,
    string Make,
    string Sparse,
    string ClangFormat,
    string Compiler,
    string HeadersDir,
    string KernelRelease,
    string Identity)
{
    public static Toolchain Locate(string headersDir)
    {
        var missing = new List<string>();
        string Need(string name, string package)
        {
            var path = Which(name);
            if (path is null)
                missing.Add($"`{name}` (Debian package {package})");
            return path ?? name;
        }

        var git = Need("git", "git");
        var perl = Need("perl", "perl");
        var make = Need("make", "make");
        var sparse = Need("sparse", "sparse");
        var clangFormat = Need("clang-format", "clang-format");

        var headers = Path.GetFullPath(headersDir);
        var autoConf = Path.Combine(headers, "include", "config", "auto.conf");
        if (!File.Exists(Path.Combine(headers, "Makefile")) || !File.Exists(autoConf))
            throw new UsageException(
                $"kbuild headers not found at {headersDir} (no Makefile or include/config/auto.conf). " +
                "Install the matching Debian package, e.g. linux-headers-6.12.117+deb12-amd64, with `make deps`.");
        var conf = ReadConfig(autoConf);
        foreach (var sym in new[] { "CONFIG_VHOST", "CONFIG_VHOST_SCSI", "CONFIG_VHOST_IOTLB" })
            if (!conf.TryGetValue(sym, out var v) || v != "m")
                throw new UsageException(
                    $"{autoConf}: {sym} is not =m, so `make M=drivers/vhost modules` cannot build vhost.ko and " +
                    "vhost_scsi.ko against these headers. Use a distribution headers package that builds vhost as " +
                    "modules (Debian's linux-headers-*-amd64 does).");

        // CONFIG_CC_VERSION_TEXT starts with the compiler as kbuild invokes it
        // (Debian: x86_64-linux-gnu-gcc-12, set through .kernelvariables).
        var ccText = conf.GetValueOrDefault("CONFIG_CC_VERSION_TEXT", "gcc");
        var ccName = ccText.Split(' ', 2)[0];
        var compiler = Need(ccName, ccName.Contains("gcc-", StringComparison.Ordinal)
            ? "gcc-" + ccName[(ccName.LastIndexOf("gcc-", StringComparison.Ordinal) + 4)..]
            : "gcc");
        if (conf.GetValueOrDefault("CONFIG_DEBUG_INFO_BTF_MODULES") == "y")
            Need("pahole", "dwarves");

        if (missing.Count > 0)
            throw new UsageException(
                "verify needs tools that are not installed: " + string.Join(", ", missing) +
                ". Run `make deps` (apt-get install --no-install-recommends the packages named) and try again.");

        var release = File.Exists(Path.Combine(headers, "include", "config", "kernel.release"))
            ? File.ReadAllText(Path.Combine(headers, "include", "config", "kernel.release")).Trim()
            : Path.GetFileName(headers);
        var sparseVersion = ProcessRunner.Run(sparse, ["--version"], headers, timeout: TimeSpan.FromSeconds(30));
        var ccVersion = ProcessRunner.Run(compiler, ["--version"], headers, timeout: TimeSpan.FromSeconds(30));
        var symvers = Path.Combine(headers, "Module.symvers");
        var identity = string.Join("\n",
            headers, release, ccText, ccVersion.Stdout.Split('\n')[0], "sparse " + sparseVersion.Stdout.Trim(),
            Hashing.Sha256File(autoConf), File.Exists(symvers) ? Hashing.Sha256File(symvers) : "no Module.symvers");
        return new Toolchain(git, perl, make, sparse, clangFormat, compiler, headers, release, identity);
    }

    /// <summary>The first executable called <paramref name="name"/> on PATH, or null.</summary>
    public static string? Which(string name)
    {
        if (name.Contains('/'))
            return IsExecutable(name) ? Path.GetFullPath(name) : null;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin";
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (IsExecutable(candidate))
                return candidate;
        }
        return null;
    }

    static bool IsExecutable(string path) =>
        File.Exists(path) &&
        (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);

    static Dictionary<string, string> ReadConfig(string path)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            if (line.StartsWith('#'))
                continue;
            var eq = line.IndexOf('=');
            if (eq <= 0)
                continue;
            var value = line[(eq + 1)..];
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                value = value[1..^1].Replace("\\\"", "\"").Replace("\\\\", "\\");
            d[line[..eq]] = value;
        }
        return d;
    }
}
