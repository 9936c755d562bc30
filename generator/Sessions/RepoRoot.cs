namespace VhostLog.Sessions;

/// <summary>Finds the repository (models, templates, out/) the CLI works on.</summary>
public static class RepoRoot
{
    public static string Find()
    {
        if (Environment.GetEnvironmentVariable("VHOSTLOG_ROOT") is { Length: > 0 } env)
            return Path.GetFullPath(env);
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (Directory.Exists(Path.Combine(d.FullName, "generator", "Models")) && Directory.Exists(Path.Combine(d.FullName, "templates")))
                    return d.FullName;
        }
        throw new KernelTree.UsageException(
            "cannot find the VhostLog repository (generator/Models, templates/): run from inside it or set VHOSTLOG_ROOT");
    }

    public static string Models(string root) => Path.Combine(root, "generator", "Models");
}
