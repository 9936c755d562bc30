using System.Text.Json;
using System.Text.Json.Serialization;

namespace VhostLog.Equivalence.Cases;

/// <summary>
/// Which model a tree's C is held to: Before, the tree as its distribution
/// ships it (Baseline), or After, the state the default series leaves it in.
/// Written as "before" and "after" on the command line, in JSON and in
/// file names; parsed once, where the text comes in.
/// </summary>
[JsonConverter(typeof(SemanticsJsonConverter))]
public readonly record struct Semantics
{
    readonly bool after;

    Semantics(bool after) => this.after = after;

    public static Semantics Before { get; } = new(false);

    public static Semantics After { get; } = new(true);

    /// <exception cref="ArgumentException">neither "before" nor "after"</exception>
    public static Semantics Parse(string text) => text switch
    {
        "before" => Before,
        "after" => After,
        _ => throw new ArgumentException($"unknown semantics '{text}' (before or after)"),
    };

    public override string ToString() => after ? "after" : "before";
}

/// <summary>Semantics in JSON reports: the same "before" or "after" as on the command line.</summary>
public sealed class SemanticsJsonConverter : JsonConverter<Semantics>
{
    public override Semantics Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        try
        {
            return Semantics.Parse(reader.GetString() ?? "");
        }
        catch (ArgumentException e)
        {
            throw new JsonException(e.Message);
        }
    }

    public override void Write(Utf8JsonWriter writer, Semantics value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
