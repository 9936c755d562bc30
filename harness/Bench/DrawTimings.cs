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
    /// <summary>Every function, round r drawing with seed + r.</summary>
    public static IReadOnlyList<DrawCost> Measure(int cases, int rounds, ulong seed) =>
        Enum.GetValues<Function>().Select(f => Measure(f, cases, rounds, round => seed + (ulong)round)).ToList();

    /// <summary>The fastest of <paramref name="rounds"/> rounds of <paramref name="cases"/> cases, after an untimed warm-up round.</summary>
    /// <param name="seedOfRound">the seed of each round: the same one to time the same cases every round</param>
    public static DrawCost Measure(Function function, int cases, int rounds, Func<int, ulong> seedOfRound)
    {
        var kept = 0L;
        void Take(LogCase c) => kept += c.Log.Length;
        CaseGenerator.Draw(function, cases / 10, seedOfRound(0), Take);
        var best = double.PositiveInfinity;
        for (var round = 0; round < rounds; round++)
        {
            var clock = Stopwatch.StartNew();
            CaseGenerator.Draw(function, cases, seedOfRound(round), Take);
            best = Math.Min(best, clock.Elapsed.TotalMicroseconds / cases);
        }
        return new DrawCost(function, cases, best);
    }
}
