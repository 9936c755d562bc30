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

    /// <summary>TrySetBit sets one bit of the byte TryLocate finds, before and after a hit is remembered, and faults where it faults.</summary>
    [Test]
    public void SetBitChangesOnlyTheByteALookupFinds()
    {
        var m = new UserMemory();
        m.Map(0x1000, 4);
        m.Map(0x3000, 4);
        Assert.That(m.TrySetBit(0x3002, 1), Is.True, "no hit remembered yet");
        Assert.That(m.TrySetBit(0x3002, 9), Is.True, "bit 9 is bit 1 of the byte");
        Assert.That(m.TrySetBit(0x3003, 7), Is.True, "the remembered range");
        Assert.That(m.TrySetBit(0x1000, 0), Is.True, "another range");
        Assert.That(m.TrySetBit(0x3004, 0), Is.False, "just past a range");
        Assert.That(m.TrySetBit(0x0fff, 0), Is.False, "just before a range");
        Assert.That(m.NonZeroBytes(), Is.EqualTo(new[] { (0x1000UL, (byte)1), (0x3002UL, (byte)2), (0x3003UL, (byte)0x80) }));
    }

    /// <summary>With overlapping ranges the bit goes to the first range mapped, as TryLocate answers.</summary>
    [Test]
    public void SetBitInOverlappingRangesGoesToTheFirstMapped()
    {
        var m = new UserMemory();
        m.Map(0x2000, 16);
        m.Map(0x1ff8, 32);
        Assert.That(m.TrySetBit(0x2008, 3), Is.True);
        Assert.That(m.TryLocate(0x2008, out var first, out var offset), Is.True);
        Assert.That(first[offset], Is.EqualTo(8));
        Assert.That(m.TryLocate(0x1ff8, out var second, out offset), Is.True);
        Assert.That(second[offset + 0x10], Is.Zero, "the later range's copy of the address is untouched");
    }
}
