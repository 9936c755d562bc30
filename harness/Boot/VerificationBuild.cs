using System.Collections.Immutable;
using System.Text.RegularExpressions;
using VhostLog.KernelTree;

namespace VhostLog.Boot;

/// <summary>
/// The series variant is booted as a verification build: a copy of its
/// drivers/vhost with checks added that the emitted series never carries.
/// <list type="bullet">
/// <item>Every dirty-log write asserts that its virtqueue's mutex is held:
/// vhost_scsi_log_write() before it calls vhost_log_write() (every
/// vhost-scsi log) and log_used() in vhost.c (every vhost_add_used*()). A WARN fails the run (the kernel-log check).</item>
/// <item>A test-only injection point, the vhost_scsi module parameter
/// vhostlog_fail_log_alloc: when set to N, the Nth log allocation from then
/// on fails (vhost_scsi_copy_cmd_log() and vhost_scsi_copy_tmf_log()), so
/// the guest can check that such a request still gets its one answer.</item>
/// </list>
/// </summary>
public static partial class VerificationBuild
{
    public const string FailParameter = "vhostlog_fail_log_alloc";

    /// <summary>What every WARN of the verification build starts with (the boot stage looks for it).</summary>
    public const string WarnMarker = "vhostlog:";

    const string Prelude = $$"""

        /* VhostLog verification build: test-only additions, never in the series. */
        static unsigned int {{FailParameter}};
        module_param({{FailParameter}}, uint, 0644);

        static bool vhostlog_log_alloc_fails(void)
        {
        	return {{FailParameter}} && --{{FailParameter}} == 0;
        }

        #define VHOSTLOG_ASSERT_LOCKED(vq) \
        	WARN_ONCE(!mutex_is_locked(&(vq)->mutex), \
        		  "{{WarnMarker}} %s writes the dirty log without vq->mutex\n", __func__)

        """;

    /// <summary>Adds the checks to the drivers/vhost folder (a copy: never the user's tree or the series).</summary>
    /// <exception cref="UsageException">a function the checks attach to is not there (the series is not what they expect)</exception>
    public static void Instrument(string vhostDir)
    {
        var scsi = Path.Combine(vhostDir, "scsi.c");
        var text = File.ReadAllText(scsi);
        var lastInclude = IncludeLine().Matches(text).LastOrDefault()
                          ?? throw new UsageException($"{scsi}: no #include to put the verification prelude after");
        text = text.Insert(lastInclude.Index + lastInclude.Length, Prelude);
        text = InBody(text, scsi, "vhost_scsi_log_write", body => body.Replace("\tvhost_log_write(",
            "\tVHOSTLOG_ASSERT_LOCKED(vq);\n\tvhost_log_write(", StringComparison.Ordinal));
        foreach (var fn in new[] { "vhost_scsi_copy_cmd_log", "vhost_scsi_copy_tmf_log" })
            text = InBody(text, scsi, fn, body => body.Replace("kmalloc_array(", "vhostlog_log_alloc_fails() ? NULL : kmalloc_array(",
                StringComparison.Ordinal));
        File.WriteAllText(scsi, text);

        var vhost = Path.Combine(vhostDir, "vhost.c");
        File.WriteAllText(vhost, AtEntry(File.ReadAllText(vhost), vhost, "log_used",
            $"\tWARN_ONCE(!mutex_is_locked(&vq->mutex),\n\t\t  \"{WarnMarker} log_used() without vq->mutex\\n\");\n"));
    }

    /// <summary>The functions a C file of the kernel's style defines (header at the start of a line, "{" alone on the next).</summary>
    public static ImmutableHashSet<string> DefinedFunctions(string file) =>
        [.. DefinitionHeader().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"^(?:[a-z_][\w \t\*]*[\s\*])?(\w+)\([^;{]*\)\s*\n\{\n", RegexOptions.Multiline)]
    private static partial Regex DefinitionHeader();

    /// <summary>The definition of <paramref name="name"/>: its header from the start of a line, its body from the "{" line to the "}" line.</summary>
    static (int BodyStart, int BodyEnd) Definition(string text, string file, string name)
    {
        var m = new Regex($@"^(?:[a-z_][\w \t\*]*[\s\*])?{name}\([^;{{]*\)\s*\n\{{\n", RegexOptions.Multiline).Match(text);
        if (!m.Success)
            throw new UsageException(
                $"{file}: no definition of {name}(): the verification build asserts the lock there; the series must add it");
        var end = text.IndexOf("\n}\n", m.Index + m.Length, StringComparison.Ordinal);
        return (m.Index + m.Length, end < 0 ? text.Length : end + 1);
    }

    /// <summary>Inserts a line after the declarations of a function: at the first blank line of its body, else at its start.</summary>
    static string AtEntry(string text, string file, string name, string line)
    {
        var (start, end) = Definition(text, file, name);
        var blank = text.IndexOf("\n\n", start - 1, StringComparison.Ordinal);
        var at = blank >= 0 && blank < end ? blank + 2 : start;
        return text.Insert(at, line + (at == start ? "" : "\n"));
    }

    static string InBody(string text, string file, string name, Func<string, string> edit)
    {
        var (start, end) = Definition(text, file, name);
        var body = text[start..end];
        var edited = edit(body);
        if (edited == body)
            throw new UsageException($"{file}: {name}() is not in the shape the verification build adds its checks to");
        return text[..start] + edited + text[end..];
    }

    [GeneratedRegex(@"^#include [^\n]*\n", RegexOptions.Multiline)]
    private static partial Regex IncludeLine();
}
