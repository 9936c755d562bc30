using System.Text;

namespace VhostLog.Series;

/// <summary>Word wrapping for commit messages and cover letters.</summary>
public static class Paragraph
{
    /// <summary>Wraps text at width columns, words kept whole; the first line starts with first, the others with next.</summary>
    public static string Wrap(string text, int width, string first = "", string next = "")
    {
        var lines = new StringBuilder();
        var line = first;
        foreach (var word in text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Trim().Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Append(line.TrimEnd()).Append('\n');
                line = next;
            }
            line += (line.Trim().Length > 0 ? " " : "") + word;
        }
        return lines.Append(line.TrimEnd()).ToString();
    }
}
