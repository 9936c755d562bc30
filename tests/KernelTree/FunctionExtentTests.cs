using NUnit.Framework;
using VhostLog.KernelTree;
using VhostLog.KernelTree.Clang;

namespace VhostLog.Tests.KernelTree;

/// <summary>
/// FunctionDefinitions() skips function bodies and matches braces to find
/// where each ends (the generator splices by these extents); a full parse,
/// where clang reads every body, must give the same extents.
/// </summary>
public class FunctionExtentTests
{
    static IEnumerable<TestCaseData> VhostFiles()
    {
        foreach (var tree in DefaultTree.Known)
            foreach (var file in new[] { "vhost.c", "scsi.c", "net.c", "vsock.c", "vdpa.c", "iotlb.c", "vringh.c" })
                yield return new TestCaseData(tree.Name, file).SetName($"ExtentsMatchAFullParse({tree.Name}, {file})");
    }

    [TestCaseSource(nameof(VhostFiles))]
    public void ExtentsMatchAFullParse(string treeName, string file)
    {
        var known = DefaultTree.Known.Single(t => t.Name == treeName);
        var tree = TreeCache.EnsureDefault(Repo.Root, known);
        var path = Path.Combine(tree, "drivers", "vhost", file);
        var options = CParseOptions.ForKernelTree(tree, known.HeadersDir);

        var full = CFile.Parse(path, options).Functions;
        var fast = CFile.FunctionDefinitions(path, options);

        Assert.That(full, Has.Count.GreaterThan(5), "the full parse found the file's functions");
        Assert.That(fast, Is.EqualTo(full), $"{file} of {treeName}: extents from brace matching differ from clang's");
    }

    [Test]
    public void BracesInCommentsLiteralsAndAttributesDoNotEndABody()
    {
        var dir = Repo.TempDir("extents");
        var path = Path.Combine(dir, "f.c");
        const string text = """
            #define __must_hold(x)
            struct lock { int x; };
            static int proto(int a);

            /**
             * tricky() - braces everywhere but in code
             * @l: a lock
             */
            static int tricky(struct lock *l) __must_hold(&l->x)
            {
            	const char *s = "}}{";	/* } */
            	char c = '}';
            	// }
            	if (l->x) {
            		return s[0] + c;
            	}
            	return '\'' + "\"}"[0];
            }

            int after(void) { return 1; }
            """;
        File.WriteAllText(path, text);
        var options = CParseOptions.Default;

        var fast = CFile.FunctionDefinitions(path, options);

        Assert.That(fast, Is.EqualTo(CFile.Parse(path, options).Functions));
        Assert.That(fast.Select(f => f.Name), Is.EqualTo(new[] { "tricky", "after" }));
        var tricky = fast[0];
        Assert.That(text[tricky.StartOffset..tricky.EndOffset], Does.StartWith("static int tricky(").And.EndWith("return '\\'' + \"\\\"}\"[0];\n}"));
        Assert.That(tricky.DocStartOffset, Is.Not.Null);
    }
}
