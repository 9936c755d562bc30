using System.Text.Json;

namespace VhostLog.Cli;

/// <summary>Writes a command's results as JSON, atomically (temporary file, then rename).</summary>
public static class JsonReport
{
    static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Write<T>(string path, T value, JsonSerializerOptions? options = null)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new KernelTree.UsageException($"--json {path}: folder {dir} does not exist");
        var tmp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(tmp, JsonSerializer.Serialize(value, options ?? Options));
        File.Move(tmp, full, overwrite: true);
    }
}
