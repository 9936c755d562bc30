using System.Collections.Immutable;
using VhostLog.KernelTree;

namespace VhostLog.Boot;

/// <summary>One module file to load in the guest, in load order.</summary>
/// <param name="Name">module name as the kernel knows it (vhost_scsi)</param>
/// <param name="File">the .ko, .ko.xz or .ko.zst on the host</param>
/// <param name="Ours">built by us from the variant's drivers/vhost (the rest are the distribution's)</param>
public sealed record ModuleFile(string Name, string File, bool Ours);

/// <summary>
/// The modules a variant loads: vhost_scsi and everything it depends on, in
/// the order modprobe would load them (modules.dep of the distribution
/// kernel, dependencies last-listed first). A variant we build replaces the
/// distribution's drivers/vhost modules with its own.
/// </summary>
public static class ModuleSet
{
    public const string Target = "vhost_scsi";

    public static ImmutableArray<ModuleFile> Resolve(KernelImage kernel, IReadOnlyDictionary<string, string>? built = null)
    {
        var dep = ReadModulesDep(kernel.ModulesDir);
        var key = dep.Keys.FirstOrDefault(k => NameOf(k) == Target)
                  ?? throw new UsageException(
                      $"{kernel.ModulesDir}/modules.dep has no {Target} module: kernel {kernel.Release} was not built with " +
                      "CONFIG_VHOST_SCSI=m, so it cannot run the series' modules. Boot a distribution kernel that has it.");
        var order = dep[key].Reverse().Append(key).ToList();
        var files = ImmutableArray.CreateBuilder<ModuleFile>();
        foreach (var rel in order)
        {
            var name = NameOf(rel);
            if (built is not null && built.TryGetValue(name, out var ours))
                files.Add(new ModuleFile(name, ours, true));
            else
                files.Add(new ModuleFile(name, Path.Combine(kernel.ModulesDir, rel), false));
        }
        if (built is not null)
            foreach (var name in built.Keys.Where(n => files.All(f => f.Name != n)))
                throw new InvalidOperationException($"built module {name} is not among {Target}'s dependencies");
        return files.ToImmutable();
    }

    /// <summary>vhost_scsi for kernel/drivers/vhost/vhost_scsi.ko.xz (kbuild names: '-' and '_' are one).</summary>
    public static string NameOf(string path)
    {
        var file = Path.GetFileName(path);
        var dot = file.IndexOf(".ko", StringComparison.Ordinal);
        return (dot > 0 ? file[..dot] : file).Replace('-', '_');
    }

    static Dictionary<string, string[]> ReadModulesDep(string modulesDir)
    {
        var d = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(Path.Combine(modulesDir, "modules.dep")))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0)
                continue;
            d[line[..colon]] = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        return d;
    }
}
