using System.Globalization;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using VhostLog.Equivalence.Cases;
using VhostLog.Equivalence.Reproducers;
using VhostLog.Equivalence.Runner;
using VhostLog.Equivalence.Variants;
using VhostLog.KernelTree;

namespace VhostLog.Sessions;

/// <summary>A divergence written to disk: its JSON (replayable with `vhostlog run --scenario`) and its C reproducer.</summary>
public sealed record SavedDivergence(Divergence Divergence, string JsonPath, string ReproducerPath);

/// <summary>What an equiv run leaves behind: divergences with reproducers, --json and --junit, each written atomically.</summary>
public static class EquivReports
{
    public static IReadOnlyList<SavedDivergence> SaveDivergences(EquivResult result, VariantSource source, string shimDir, string saveDir)
    {
        var saved = new List<SavedDivergence>();
        foreach (var d in result.Divergences)
        {
            Directory.CreateDirectory(saveDir);
            var path = Path.Combine(saveDir, $"{result.Variant}-{result.Semantics}-{d.Function}-seed{result.Seed}.json");
            AtomicFile.WriteAllText(path, CaseJson.Serialize(DivergenceJson(result, d)));
            var repro = CReproducer.Write(Path.ChangeExtension(path, null), source, d.Minimised, d.Model, result.Semantics.ToString(), shimDir);
            saved.Add(new SavedDivergence(d, path, repro));
        }
        return saved;
    }

    public static void WriteJson(string path, EquivResult result, string modelState)
    {
        var node = new JsonObject
        {
            ["variant"] = result.Variant,
            ["semantics"] = result.Semantics.ToString(),
            ["model_state"] = modelState,
            ["seed"] = result.Seed,
            ["equivalent"] = result.Equivalent,
            ["functions"] = new JsonArray(result.Functions.Select(f => (JsonNode)new JsonObject
            {
                ["function"] = f.Function.ToString(), ["presence"] = f.Presence.ToString(), ["cases"] = f.Cases, ["divergences"] = f.Divergences,
                ["specification_findings"] = f.SpecFindings,
                ["seconds"] = f.Elapsed.TotalSeconds,
            }).ToArray()),
            ["divergences"] = new JsonArray(result.Divergences.Select(d => (JsonNode)DivergenceJson(result, d)).ToArray()),
            ["specification_findings"] = new JsonArray(result.SpecFindings.Select(f => (JsonNode)new JsonObject
            {
                ["function"] = f.Function.ToString(), ["explanation"] = f.Explanation,
                ["input"] = CaseJson.ToJson(f.Input), ["observed"] = CaseJson.ToJson(f.Observed),
            }).ToArray()),
        };
        AtomicFile.WriteAllText(path, CaseJson.Serialize(node));
    }

    public static void WriteJUnit(string path, EquivResult result)
    {
        var suite = new XElement("testsuite",
            new XAttribute("name", $"vhostlog equiv {result.Variant} vs {result.Semantics}"),
            new XAttribute("tests", result.Functions.Length),
            new XAttribute("failures", result.Divergences.Length + result.Functions.Count(f => f.Mismatch)),
            result.Functions.Select(f => new XElement("testcase",
                new XAttribute("classname", result.Variant), new XAttribute("name", f.Function.ToString()),
                new XAttribute("time", f.Elapsed.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture)),
                f.Mismatch ? new XElement("failure", new XAttribute("message", $"{f.Function} exists only in {(f.Presence == Presence.ModelOnly ? "the model" : result.Variant)}")) : null,
                f.Presence == Presence.Neither ? new XElement("skipped", new XAttribute("message", "in neither the model state nor the C")) : null,
                result.Divergences.Where(d => d.Function == f.Function).Select(d => new XElement("failure",
                    new XAttribute("message", $"{f.Divergences} divergence(s); minimised: {CaseJson.Describe(d.Minimised)}"),
                    CaseJson.Serialize(DivergenceJson(result, d)))))));
        AtomicFile.WriteAllText(path, new XDocument(new XElement("testsuites", suite)).ToString());
    }

    static JsonObject DivergenceJson(EquivResult result, Divergence d) => new()
    {
        ["variant"] = result.Variant,
        ["semantics"] = result.Semantics.ToString(),
        ["seed"] = result.Seed,
        ["case_index"] = d.CaseIndex,
        ["input"] = CaseJson.ToJson(d.Minimised),
        ["model"] = CaseJson.ToJson(d.Model),
        ["native"] = CaseJson.ToJson(d.Native),
        ["original_input"] = CaseJson.ToJson(d.Original),
    };
}
