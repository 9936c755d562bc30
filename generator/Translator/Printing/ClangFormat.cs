using System.Diagnostics;

namespace VhostLog.Translator;

/// <summary>Runs clang-format with the target tree's own .clang-format.</summary>
public sealed class ClangFormat(string styleFile)
{
    public string StyleFile { get; } = styleFile;

    public string Format(string code)
    {
        if (!File.Exists(StyleFile))
            throw new FileNotFoundException($"{StyleFile} not found: the tree's .clang-format is needed to format generated C");
        var psi = new ProcessStartInfo("clang-format")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add($"--style=file:{StyleFile}");
        psi.ArgumentList.Add("--assume-filename=generated.c");
        Process p;
        try
        {
            p = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("clang-format is not installed (make deps installs it)", e);
        }
        using (p)
        {
            var output = p.StandardOutput.ReadToEndAsync();
            var error = p.StandardError.ReadToEndAsync();
            p.StandardInput.Write(code);
            p.StandardInput.Close();
            p.WaitForExit();
            if (p.ExitCode != 0)
                throw new InvalidOperationException($"clang-format failed: {error.Result}");
            return output.Result;
        }
    }
}
