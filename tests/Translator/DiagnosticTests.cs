using Microsoft.CodeAnalysis.Diagnostics;
using NUnit.Framework;
using VhostLog.Translator;
using VhostLog.Translator.Lowering;

namespace VhostLog.Tests.Translator;

/// <summary>Every construct outside the model language is rejected with its code at its line.</summary>
public sealed class DiagnosticTests
{
    // Each body is placed in a Baseline method of a test file; the marker
    // line (//!) is where the diagnostic must point.
    public static IEnumerable<TestCaseData> Cases()
    {
        yield return Case(Codes.UnsupportedStatement, "switch (x) { default: break; } //!");
        yield return Case(Codes.UnsupportedExpression, "string s = \"a\"; //!");
        yield return Case(Codes.CheckedContext, "u64 y = checked(x + 1); //!");
        yield return Case(Codes.UnsafeShift, "int n = 3; u64 y = x << n; //!");
        yield return Case(Codes.MixedSignedness, "int a = 1; unsigned_int b = 2; if (a < b) //!\n            return 1;");
        yield return Case(Codes.ImplicitType, "var y = x; //!");
        yield return Case(Codes.UnsupportedType, "ulong y = x; //!");
        yield return Case(Codes.UnknownCall, "Console.WriteLine(x); //!");
        yield return Case(Codes.UnsupportedForeach, "foreach (int v in new int[1]) //!\n            x++;");
        yield return Case(Codes.UnsupportedComment, "x++; // trailing //!");
        yield return new TestCaseData(Codes.NotOverridable,
            "protected int plain_fn(u64 x) //!\n    {\n        return 0;\n    }").SetName($"{Codes.NotOverridable}");
        yield return new TestCaseData(Codes.UnsupportedUnion,
            "[AnonymousUnion]\n    public struct loose_union\n    {\n        public virtio_scsi_ctrl_tmf_resp tmf;\n        public virtio_scsi_ctrl_an_resp an;\n    }\n\n" +
            "    protected virtual int test_fn(u64 x)\n    {\n        loose_union rsp; //!\n        return 0;\n    }").SetName($"{Codes.UnsupportedUnion} members not overlapping");
        yield return new TestCaseData(Codes.UnsupportedUnion,
            "protected virtual int test_fn(vhost_scsi_bad_target_rsp rsp) //!\n    {\n        return 0;\n    }").SetName($"{Codes.UnsupportedUnion} as a parameter");
        yield return Case(Codes.UnsizedStruct, "size_t n = sizeof_struct<vhost_log>(); //!");
        yield return Case(Codes.PromotedOverflow, "u16 a = (u16)x; u16 b = (u16)(a * a); //!");
        yield return new TestCaseData(Codes.PromotedOverflow,
            "protected virtual int test_fn(u64 x) \n    {\n        u8 a = (u8)x;\n        u32 b = (u32)(a << 24); //!\n        return 0;\n    }")
            .SetName($"{Codes.PromotedOverflow} shift");
        yield return new TestCaseData(Codes.PromotedOverflow,
            "protected virtual int test_fn(u64 x) \n    {\n        u16 a = (u16)x;\n        a *= a; //!\n        return 0;\n    }")
            .SetName($"{Codes.PromotedOverflow} compound");
        yield return new TestCaseData(Codes.PromotedOverflow,
            "protected virtual int test_fn(u64 x) \n    {\n        int a = (int)x;\n        a <<= 2; //!\n        return 0;\n    }")
            .SetName($"{Codes.PromotedOverflow} signed shift");
        yield return new TestCaseData(Codes.UnsupportedType,
            "protected virtual int test_fn(out unsigned_int n) //!\n    {\n        n = 0;\n        return 0;\n    }")
            .SetName($"{Codes.UnsupportedType} out parameter");
        yield return new TestCaseData(Codes.UnsupportedExpression,
            "protected virtual int test_fn(u64 x) \n    {\n        x = default; //!\n        return 0;\n    }").SetName($"{Codes.UnsupportedExpression} default of a scalar");
        yield return new TestCaseData(Codes.CompileError,
            "protected virtual int broken_fn(u64 x)\n    {\n        return x; //!\n    }").SetName($"{Codes.CompileError}");
    }

    static TestCaseData Case(string code, string body) =>
        new TestCaseData(code, $"protected virtual int test_fn(u64 x) \n    {{\n        {body}\n        return 0;\n    }}").SetName(code);

    static (string Source, int Line) Wrap(string method)
    {
        var source = $"using VhostLog.Models.Kernel;\nnamespace VhostLog.Models;\npublic partial class Baseline\n{{\n    {method}\n}}\n";
        return (source, source.Split('\n').Select((l, i) => (l, i)).First(x => x.l.Contains("//!")).i + 1);
    }

    // C# compile errors (VL0001 in the translator) are the compiler's own diagnostics at build time.
    public static IEnumerable<TestCaseData> AnalyzerCases() =>
        Cases().Where(c => (string)c.Arguments[0]! != Codes.CompileError);

    /// <summary>The build-time analyzer (generator/ModelAnalyzer) reports the same code at the same line.</summary>
    [TestCaseSource(nameof(AnalyzerCases))]
    public async Task AnalyzerReportsIt(string code, string method)
    {
        var (source, line) = Wrap(method);
        var path = Path.Combine(Repo.Models, "vhost", "analyzer_test.cs");
        var sources = VhostLog.Translator.Lowering.ModelSources.Load(Repo.Models, [(path, source)]);
        var analyzed = sources.Compilation.WithAnalyzers([new VhostLog.ModelAnalyzer.ModelLanguageAnalyzer()]);
        var found = (await analyzed.GetAnalyzerDiagnosticsAsync())
            .Where(d => d.Location.SourceTree?.FilePath == path)
            .Select(d => (d.Id, d.Location.GetLineSpan().StartLinePosition.Line + 1))
            .ToList();
        Assert.That(found, Has.Member((code, line)), string.Join("\n", found));
    }

    [Test]
    public async Task AnalyzerIsQuietOnTheModels()
    {
        var sources = VhostLog.Translator.Lowering.ModelSources.Load(Repo.Models);
        var analyzed = sources.Compilation.WithAnalyzers([new VhostLog.ModelAnalyzer.ModelLanguageAnalyzer()]);
        Assert.That((await analyzed.GetAnalyzerDiagnosticsAsync()).Select(d => d.ToString()), Is.Empty);
    }

    [TestCaseSource(nameof(Cases))]
    public void Rejected(string code, string method)
    {
        var (source, line) = Wrap(method);
        var path = Path.Combine(Repo.Models, "vhost", "diagnostic_test.cs");
        var e = Assert.Throws<ModelLanguageException>(() => Repo.Translation([(path, source)]).Translate("Baseline"))!;
        Assert.That(e.Diagnostics.Select(d => (d.Code, d.Line, d.File)),
            Has.Member((code, line, Path.Combine("generator", "Models", "vhost", "diagnostic_test.cs"))),
            string.Join("\n", e.Diagnostics));
        Assert.That(e.Diagnostics.First(d => d.Code == code).ToString(), Does.Contain(Codes.Advice(code)));
    }

    static CFunction TranslateOne(string name, string body)
    {
        var source = "using VhostLog.Models.Kernel;\nnamespace VhostLog.Models;\npublic partial class Baseline\n{\n" + body + "\n}\n";
        var path = Path.Combine(Repo.Models, "vhost", $"{name}_test.cs");
        return Repo.Translation([(path, source)]).Translate("Baseline").Single(x => x.Name == name);
    }

    /// <summary>
    /// A cast C# demands in a comparison is left out where C's usual
    /// arithmetic conversions do the same, and kept where they would not
    /// (int compared with unsigned int converts the int in C).
    /// </summary>
    [Test]
    public void CastsTheUsualConversionsMakeAreLeftOutOthersKept()
    {
        var f = TranslateOne("cast_fn", """
                protected virtual int cast_fn(size_t n, u32 a, int b)
                {
                    int r = b;

                    if ((size_t)r == n)
                        return 1;
                    if ((int)a == b)
                        return 2;
                    return 0;
                }
            """);
        Assert.That(f.Text, Does.Contain("if (r == n)"));
        Assert.That(f.Text, Does.Contain("if ((int)a == b)"));
    }

    /// <summary>A union local, its zeroing and an out argument print as the kernel writes them.</summary>
    [Test]
    public void UnionLocalZeroedAndPassedByAddress()
    {
        var f = TranslateOne("union_fn", """
                protected virtual int union_fn(vhost_virtqueue vq)
                {
                    vhost_scsi_bad_target_rsp rsp;
                    iov_iter iter;

                    rsp = default;
                    rsp.tmf.response = VIRTIO_SCSI_S_BAD_TARGET;
                    iov_iter_init(out iter, ITER_DEST, ref vq.iov[1], 1, sizeof_struct<virtio_scsi_ctrl_tmf_resp>());
                    return (int)copy_to_iter(ref rsp, sizeof_value(rsp), ref iter);
                }
            """);
        Assert.That(f.Text, Does.Contain("\tunion {\n\t\tstruct virtio_scsi_cmd_resp cmd;\n\t\tstruct virtio_scsi_ctrl_tmf_resp tmf;\n\t\tstruct virtio_scsi_ctrl_an_resp an;\n\t} rsp;\n"));
        Assert.That(f.Text, Does.Contain("memset(&rsp, 0, sizeof(rsp));"));
        Assert.That(f.Text, Does.Contain("rsp.tmf.response = VIRTIO_SCSI_S_BAD_TARGET;"));
        Assert.That(f.Text, Does.Contain("iov_iter_init(&iter, ITER_DEST, &vq->iov[1], 1,"));
        Assert.That(f.Text, Does.Contain("sizeof(struct virtio_scsi_ctrl_tmf_resp)"));
        Assert.That(f.Text, Does.Contain("copy_to_iter(&rsp, sizeof(rsp), &iter)"));
    }

    [Test]
    public void LoopCounterComparedWithUnsignedIsAccepted()
    {
        var source = """
            using VhostLog.Models.Kernel;
            namespace VhostLog.Models;
            public partial class Baseline
            {
                protected virtual int counter_fn(unsigned_int n)
                {
                    int i;

                    for (i = 0; i < n; i++)
                        smp_wmb();
                    return 0;
                }
            }
            """;
        var path = Path.Combine(Repo.Models, "vhost", "counter_test.cs");
        var f = Repo.Translation([(path, source)]).Translate("Baseline").Single(x => x.Name == "counter_fn");
        Assert.That(f.Text, Does.Contain("for (i = 0; i < n; i++)"));
    }
}
