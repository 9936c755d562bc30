using NUnit.Framework;
using VhostLog.Equivalence.Cases;

namespace VhostLog.Tests.Equivalence;

/// <summary>
/// equiv draws its cases one at a time (CaseGenerator.Draw) so that the
/// engines start before the last case is drawn; the cases must be the very
/// ones Sample gives for the seed, or a seed would name other cases.
/// </summary>
public sealed class CaseDrawTests
{
    [TestCase(Function.log_write, 1UL)]
    [TestCase(Function.log_write_hva, 3UL)]
    [TestCase(Function.vhost_log_write, 0x9E3779B97F4A7C15UL)]
    [TestCase(Function.vhost_scsi_send_status, 7UL)]
    public void DrawHandsOverTheCasesOfSampleInOrder(Function function, ulong seed)
    {
        var drawn = new List<LogCase>();
        CaseGenerator.Draw(function, 500, seed, drawn.Add);
        var sampled = CaseGenerator.Sample(function, 500, seed);
        Assert.That(drawn, Has.Count.EqualTo(500));
        // Records compare ImmutableArray fields by reference: compare every field as JSON.
        static string Json(LogCase c) => CaseJson.ToJson(c).ToJsonString();
        Assert.That(drawn.Select(Json), Is.EqualTo(sampled.Select(Json)));
    }

    [Test]
    public void DrawingNoCasesHandsOverNothing()
    {
        var drawn = new List<LogCase>();
        CaseGenerator.Draw(Function.log_write, 0, 1, drawn.Add);
        Assert.That(drawn, Is.Empty);
    }
}
