namespace VhostLog.KernelTree;

/// <summary>Folder copies (a series staged for output, a test's copy of a tree).</summary>
public static class Folders
{
    /// <summary>Copies every file and subfolder of <paramref name="from"/> into <paramref name="to"/>, which is created.</summary>
    public static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from))
            Copy(d, Path.Combine(to, Path.GetFileName(d)));
    }
}
