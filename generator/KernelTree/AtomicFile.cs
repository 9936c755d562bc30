namespace VhostLog.KernelTree;

/// <summary>A result file written whole or not at all: a temporary file beside it, then a rename.</summary>
public static class AtomicFile
{
    /// <exception cref="UsageException">the file's folder does not exist (<paramref name="option"/> names what gave the path)</exception>
    public static void WriteAllText(string path, string text, string option = "")
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new UsageException($"{(option.Length > 0 ? option + " " : "")}{path}: folder {dir} does not exist");
        var tmp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, text);
        File.Move(tmp, full, overwrite: true);
    }
}
