using System.Collections.Immutable;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using VhostLog.Translator.Ir;

namespace VhostLog.Translator.Lowering;

/// <summary>
/// A model function's XML doc comment, read into the IrDoc the printer turns
/// into the function's kernel-doc comment.
/// </summary>
static class DocComments
{
    public static IrDoc? Read(IMethodSymbol method)
    {
        var xml = method.GetDocumentationCommentXml();
        if (string.IsNullOrWhiteSpace(xml))
            return null;
        var doc = XElement.Parse(xml);
        return new IrDoc(
            Flatten(doc.Element("summary")),
            doc.Elements("param").Select(p => ((string?)p.Attribute("name") ?? "", Flatten(p))).ToImmutableArray(),
            Flatten(doc.Element("remarks")),
            Flatten(doc.Element("returns")));
    }

    /// <summary>The text of an element on one line: the printer wraps it anew.</summary>
    static string Flatten(XElement? e) =>
        e is null ? "" : string.Join(' ', e.Value.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
