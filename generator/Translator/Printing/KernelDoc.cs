using System.Collections.Immutable;
using System.Text;
using VhostLog.Translator.Ir;

namespace VhostLog.Translator;

/// <summary>The model's XML doc comment as a kernel-doc comment, wrapped at 80 columns.</summary>
public static class KernelDoc
{
    const int Width = 80;

    public static ImmutableArray<string> Lines(IrFunction f)
    {
        if (f.Doc is not { } doc)
            return [];
        var lines = ImmutableArray.CreateBuilder<string>();
        lines.Add("/**");
        lines.AddRange(Wrap($"{f.Name}() - {Capitalize(doc.Summary)}", " * ", " * "));
        foreach (var (name, text) in doc.Params)
        {
            var head = $"@{name}: ";
            lines.AddRange(Wrap(head + Capitalize(text), " * ", " * " + new string(' ', head.Length)));
        }
        if (doc.Remarks.Length > 0)
        {
            lines.Add(" *");
            lines.AddRange(Wrap(doc.Remarks, " * ", " * "));
        }
        if (doc.Returns.Length > 0)
        {
            lines.Add(" *");
            lines.AddRange(Wrap("Return: " + doc.Returns, " * ", " * "));
        }
        lines.Add(" */");
        return lines.ToImmutable();
    }

    static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    static IEnumerable<string> Wrap(string text, string first, string rest)
    {
        var line = new StringBuilder(first);
        var prefix = first;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > prefix.Length && line.Length + 1 + word.Length > Width)
            {
                yield return line.ToString();
                prefix = rest;
                line.Clear().Append(rest);
            }
            if (line.Length > prefix.Length)
                line.Append(' ');
            line.Append(word);
        }
        yield return line.ToString();
    }
}
