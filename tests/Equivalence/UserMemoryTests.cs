using NUnit.Framework;
using VhostLog.Models.Kernel;

namespace VhostLog.Tests.Equivalence;

/// <summary>The managed user memory answers like a plain search whatever it remembers of earlier lookups.</summary>
public sealed class UserMemoryTests
{
    [Test]
    public void LookupsAfterAHitStillFindTheRightRangeOrFault()
    {
        var m = new UserMemory();
        m.Map(0x1000, 16);
        m.Map(0x3000, 16);
        Assert.That(m.TryLocate(0x1005, out var a, out var offset), Is.True);
        Assert.That(offset, Is.EqualTo(5));
        Assert.That(m.TryLocate(0x300f, out var b, out offset), Is.True);
        Assert.That(offset, Is.EqualTo(15));
        Assert.That(b, Is.Not.SameAs(a));
        // Just past, just before and far below the last hit.
        Assert.That(m.TryLocate(0x3010, out _, out _), Is.False);
        Assert.That(m.TryLocate(0x2fff, out _, out _), Is.False);
        Assert.That(m.TryLocate(0, out _, out _), Is.False);
        m.Clear();
        Assert.That(m.TryLocate(0x3000, out _, out _), Is.False, "nothing is mapped after Clear");
    }

    /// <summary>With overlapping ranges the first one mapped holds the byte, as a linear search finds it.</summary>
    [Test]
    public void OverlappingRangesAnswerWithTheFirstMapped()
    {
        var m = new UserMemory();
        m.Map(0x2000, 16);
        Assert.That(m.TryLocate(0x2008, out var second, out _), Is.True);
        m.Map(0x1ff8, 32);
        Assert.That(m.TryLocate(0x2008, out var again, out _), Is.True);
        Assert.That(again, Is.SameAs(second), "the range mapped first");
        Assert.That(m.TryLocate(0x1ff8, out var first, out var offset), Is.True);
        Assert.That(first, Is.Not.SameAs(second));
        Assert.That(offset, Is.Zero);
        Assert.That(m.TryLocate(0x2008, out again, out _), Is.True);
        Assert.That(again, Is.SameAs(second), "an earlier hit in the later range does not take over");
    }
}
