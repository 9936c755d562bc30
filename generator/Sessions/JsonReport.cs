using System.Text.Json;

namespace VhostLog.Sessions;

/// <summary>Writes a command's results as JSON, atomically (temporary file, then rename).</summary>
public static class JsonReport
{
    static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Write<T>(string path, T value, JsonSerializerOptions? options = null)
    {
        KernelTree.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, options ?? Options), "--json");
    }
}
