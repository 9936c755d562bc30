using System.Collections.Immutable;

namespace VhostLog.Chains;

/// <summary>A slot of dev->umem (struct vhost_iotlb_map): guest-physical range, user address, permission (VHOST_MAP_RO 1, WO 2, RW 3).</summary>
public readonly record struct GuestMap(ulong Gpa, ulong Size, ulong Hva, uint Perm)
{
    public ulong Last => Gpa + Size - 1;
}

/// <summary>
/// The guest memory every case runs in, sent once at start. The regions
/// are chosen for what they make translate_desc() do: two large maps that
/// are adjacent in guest-physical space but not in user space (a buffer
/// across the seam becomes two iovecs), 64 one-page maps (a buffer becomes
/// up to 64 iovecs, so few descriptors reach iov_size), a hole (a fault),
/// and read-only / write-only maps (a permission error). Only the indirect
/// table areas are backed by shim memory: the kernel reads tables, never
/// buffers.
/// </summary>
public static class GuestMemory
{
    public const ulong Page = 0x1000;
    public const ulong BigSize = 0x1000_0000;
    public const ulong Seam = BigSize;                 // between the two large maps
    public const ulong SmallBase = 2 * BigSize;        // 64 one-page maps from here
    public const int SmallMaps = 64;
    public const ulong HoleStart = SmallBase + SmallMaps * Page;
    public const ulong RoBase = 0x3000_0000, RoSize = 0x10_0000;
    public const ulong WoBase = RoBase + RoSize, WoSize = 0x10_0000;
    public const ulong End = WoBase + WoSize;          // nothing is mapped from here on

    /// <summary>Where the tables of a case go (backed), and a small backed window either side of the seam.</summary>
    public const ulong TableArea = 0x10_0000, TableAreaSize = 0x8_0000;
    public const ulong SeamWindow = 0x1000;
    /// <summary>Mapped, never backed: a table here cannot be read.</summary>
    public const ulong Unbacked = 0x0800_0000;

    public const ulong DescHva = 0x7e00_0000_0000, AvailHva = 0x7e00_1000_0000;

    public static readonly ImmutableArray<GuestMap> Maps = BuildMaps();

    static ImmutableArray<GuestMap> BuildMaps()
    {
        var maps = ImmutableArray.CreateBuilder<GuestMap>();
        maps.Add(new GuestMap(0, BigSize, 0x7f10_0000_0000, 3));
        maps.Add(new GuestMap(Seam, BigSize, 0x7f20_0000_0000, 3));
        for (var i = 0; i < SmallMaps; i++)
            maps.Add(new GuestMap(SmallBase + (ulong)i * Page, Page, 0x7f30_0000_0000 + (ulong)i * 0x10_0000, 3));
        maps.Add(new GuestMap(RoBase, RoSize, 0x7f40_0000_0000, 1));
        maps.Add(new GuestMap(WoBase, WoSize, 0x7f50_0000_0000, 2));
        return maps.ToImmutable();
    }

    /// <summary>Guest-physical ranges backed by memory the kernel can read.</summary>
    public static readonly ImmutableArray<(ulong Gpa, ulong Size)> Backed =
        [(TableArea, TableAreaSize), (Seam - SeamWindow, SeamWindow), (Seam, SeamWindow)];

    public static bool IsBacked(ulong gpa, ulong size) =>
        Backed.Any(b => gpa >= b.Gpa && gpa - b.Gpa <= b.Size && size <= b.Size - (gpa - b.Gpa));

    public static GuestMap? MapAt(ulong gpa)
    {
        foreach (var m in Maps)
            if (gpa >= m.Gpa && gpa <= m.Last)
                return m;
        return null;
    }

    /// <summary>The start line (CHAINS-PROTOCOL.md): the maps, the backed ranges as user addresses, the ring addresses.</summary>
    public static string StartLine()
    {
        var backed = Backed.Select(b => $"{MapAt(b.Gpa)!.Value.Hva + (b.Gpa - MapAt(b.Gpa)!.Value.Gpa):x} {b.Size:x}");
        return $"start {Maps.Length:x} {string.Join(' ', Maps.Select(m => $"{m.Gpa:x} {m.Size:x} {m.Hva:x} {m.Perm:x}"))} " +
               $"{Backed.Length:x} {string.Join(' ', backed)} {DescHva:x} {AvailHva:x}";
    }
}
