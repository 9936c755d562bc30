using NUnit.Framework;
using VhostLog.Translator;
using VhostLog.Translator.CAst;
using VhostLog.TranslationValidation;

namespace VhostLog.Tests.Translator;

/// <summary>
/// Translation validation: random model functions, translated and compiled
/// with gcc (-O0, -O2, UBSan, -Werror=parentheses), give the C# answer on
/// every call; and a printer with a wrong precedence table is caught.
/// </summary>
// Independent fuzz runs, each in a folder of its own, side by side; the
// fixture goes first among the translator's, and the longest run (CI's
// programs) first in it, so that it does not end the test run alone.
// (NUnit 5 marks Order obsolete for DependsOn, which says something else: no dependency here.)
#pragma warning disable CS0618
[Parallelizable(ParallelScope.Children), Order(1)]
#pragma warning restore CS0618
public sealed class TranslationValidationTests
{
    static string Report(FuzzResult r) =>
        string.Join("\n", r.Mismatches.Take(3).Select(m => $"{m.Function} {m.Call}: C# {m.Model}, C {m.Native}\n{m.CSharp}{m.C}")
            .Concat(r.Findings.Take(3).Select(f => $"{f.Function}: {f.Report}\n{f.CSharp}{f.C}")));

#pragma warning disable CS0618 // Order: see the fixture
    [Test, Order(1)]
#pragma warning restore CS0618
    public void CiProgramsMeanTheSameInC()
    {
        var r = TranslationValidator.Run(Repo.Models, new FuzzOptions(FuzzDefaults.CiPrograms, FuzzDefaults.CiSeed), Repo.TempDir("fuzz"));
        Assert.That(r.Mismatches, Is.Empty, Report(r));
        Assert.That(r.Findings, Is.Empty, Report(r));
        Assert.That(r.Programs, Is.EqualTo(FuzzDefaults.CiPrograms));
        // The generator writes, now and then, a computed shift count (VL1004)
        // and a u8/u16 product or shift that can overflow int (VL1014): the
        // language rejects those programs, and they are not translated.
        Assert.That(r.Rejected, Has.Some.Match(@"^fuzz_\d+: VL1004 "));
        Assert.That(r.Rejected, Has.Some.Match(@"^fuzz_\d+: VL1014 "));
        Assert.That(r.Rejected, Has.All.Match(@"^fuzz_\d+: VL10(04|05|14) "));
        TestContext.Out.WriteLine($"{r.Programs} programs, {r.Calls} calls ({r.Overflowing} overflow in the checked oracle), {r.Rejected.Select(x => x.Split(':')[0]).Distinct().Count()} rejected");
    }

    /// <summary>
    /// Signed arithmetic is accepted on the precondition that it never
    /// overflows (C leaves that undefined). The checked oracle is what finds
    /// the calls that break it: run unchecked, the same programs give UBSan
    /// reports of signed overflow, which count as findings.
    /// </summary>
    [Test]
    public void SignedOverflowIsFoundByTheCheckedOracle()
    {
        var options = new FuzzOptions(100, FuzzDefaults.CiSeed);
        var checkedRun = TranslationValidator.Run(Repo.Models, options, Repo.TempDir("fuzz-checked"));
        Assert.That(checkedRun.Overflowing, Is.GreaterThan(0), "some calls overflow a signed type");
        Assert.That(checkedRun.Findings, Is.Empty, Report(checkedRun));
        var unchecked_ = TranslationValidator.Run(Repo.Models, options with { CheckedOracle = false }, Repo.TempDir("fuzz-unchecked"));
        Assert.That(unchecked_.Overflowing, Is.Zero);
        Assert.That(unchecked_.Findings.Select(f => f.Report), Has.Some.Contains("signed integer overflow"), Report(unchecked_));
        TestContext.Out.WriteLine($"{checkedRun.Overflowing} of {checkedRun.Calls} calls overflow; unchecked, {unchecked_.Findings.Length} programs have UBSan findings");
    }

    /// <summary>A printer whose table has two operators' levels swapped prints C that means something else; the fuzzer must say so.</summary>
    [TestCase(CBinaryOp.Add, CBinaryOp.Mul)]
    [TestCase(CBinaryOp.Shl, CBinaryOp.Add)]
    [TestCase(CBinaryOp.BitAnd, CBinaryOp.BitOr)]
    [TestCase(CBinaryOp.LogAnd, CBinaryOp.LogOr)]
    public void APrinterWithASwappedPrecedenceEntryIsCaught(CBinaryOp a, CBinaryOp b)
    {
        var printer = new CPrinter(CPrecedence.C.Swapped(a, b));
        var r = TranslationValidator.Run(Repo.Models, new FuzzOptions(150, FuzzDefaults.CiSeed), Repo.TempDir("fuzz-mutant"), printer);
        Assert.That(r.Mismatches.Length + r.Findings.Length, Is.GreaterThan(0), $"{a} <-> {b} went unnoticed over {r.Programs} programs");
        TestContext.Out.WriteLine($"{a} <-> {b}: {r.Mismatches.Length} of {r.Programs} programs answer otherwise in C, {r.Findings.Length} refused by gcc or reported by UBSan");
    }

    /// <summary>A mismatch is shrunk, line by line, to a smaller program that still answers otherwise in C.</summary>
    [Test]
    public void AMismatchIsShrunkToASmallerProgram()
    {
        var printer = new CPrinter(CPrecedence.C.Swapped(CBinaryOp.Add, CBinaryOp.Mul));
        var dir = Repo.TempDir("fuzz-shrink");
        var r = TranslationValidator.Run(Repo.Models, new FuzzOptions(300, FuzzDefaults.CiSeed), dir, printer);
        var first = r.Mismatches.OrderByDescending(m => m.CSharp.Length).First();
        var shrunk = TranslationValidator.Shrink(Repo.Models, first.Program, [.. first.Arguments], Path.Combine(dir, "shrink"), printer);
        Assert.That(shrunk.CSharp.Split('\n').Length, Is.LessThan(first.CSharp.Split('\n').Length), shrunk.CSharp);
        Assert.That(shrunk.Native, Is.Not.EqualTo(shrunk.Model.Replace(shrunk.Function, shrunk.Function, StringComparison.Ordinal)));
        TestContext.Out.WriteLine($"{first.CSharp.Split('\n').Length} lines shrunk to {shrunk.CSharp.Split('\n').Length}:\n{shrunk.CSharp}{shrunk.C}");
    }
}
