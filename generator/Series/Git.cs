using System.Diagnostics;

namespace VhostLog.Series;

/// <summary>Runs git in a work tree with a fixed identity and date, so output is reproducible.</summary>
public sealed class Git(string workTree, string name, string email, DateTimeOffset date)
{
    public string WorkTree { get; } = workTree;

    public string Run(params string[] args) => RunWithInput(null, args);

    public string RunWithInput(string? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("git")
        {
            WorkingDirectory = WorkTree,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        var when = date.ToString("yyyy-MM-dd'T'HH:mm:sszzz");
        psi.Environment["GIT_AUTHOR_NAME"] = name;
        psi.Environment["GIT_AUTHOR_EMAIL"] = email;
        psi.Environment["GIT_COMMITTER_NAME"] = name;
        psi.Environment["GIT_COMMITTER_EMAIL"] = email;
        psi.Environment["GIT_AUTHOR_DATE"] = when;
        psi.Environment["GIT_COMMITTER_DATE"] = when;
        psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        psi.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        psi.Environment["TZ"] = "UTC";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start git");
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed in {WorkTree}: {stderr.Result.Trim()}");
        return stdout;
    }

    /// <summary>The user's identity from git config, as "Name &lt;email&gt;", or null.</summary>
    public static string? ConfiguredIdentity()
    {
        string? Get(string key)
        {
            var psi = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add("config");
            psi.ArgumentList.Add(key);
            try
            {
                using var p = Process.Start(psi)!;
                var v = p.StandardOutput.ReadToEnd().Trim();
                p.WaitForExit();
                return p.ExitCode == 0 && v.Length > 0 ? v : null;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
        return Get("user.name") is { } n && Get("user.email") is { } e ? $"{n} <{e}>" : null;
    }
}
