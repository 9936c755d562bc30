using System.Diagnostics;
using VhostLog.Equivalence.Cases;

namespace VhostLog.Bench;

/// <summary>What drawing one case costs a function, on its own (no engine runs).</summary>
public sealed record DrawCost(Function Function, int Cases, double MicrosecondsPerCase);

/// <summary>
/// Times CaseGenerator.Draw per function, in this process: the part of
/// equiv's .NET-side cost that is drawing the cases, which equiv's own
/// seconds cannot separate from the model and the worker.
/// </summary>
public static class DrawTimings
{
    /// <summary>The fastest of <paramref name="rounds"/> rounds of <paramref name="cases"/> cases, after an untimed warm-up round.</summary>
    public static IReadOnlyList<DrawCost> Measure(int cases, int rounds, ulong seed)
    {
        var costs = new List<DrawCost>();
        foreach (var function in Enum.GetValues<Function>())
        {
            var kept = 0L;
            void Take(LogCase c) => kept += c.Log.Length;
            CaseGenerator.Draw(function, cases / 10, seed, Take);
            var best = double.PositiveInfinity;
            for (var round = 0; round < rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                CaseGenerator.Draw(function, cases, seed + (ulong)round, Take);
                best = Math.Min(best, clock.Elapsed.TotalMicroseconds / cases);
            }
            costs.Add(new DrawCost(function, cases, best));
        }
        return costs;
    }
}
