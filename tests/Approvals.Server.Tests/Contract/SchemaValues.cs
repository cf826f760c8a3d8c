using System.Globalization;
using System.Text.Json.Nodes;
using CsCheck;

namespace Approvals.Server.Tests.Contract;

/// <summary>
/// Values a schema of the document allows, as CsCheck generators: enums, types, required and some optional
/// properties, bounds and patterns. A few properties get values from <paramref name="hints"/> instead, where
/// the schema cannot say enough (a webhook URL must stay on this machine; a duration must parse).
/// </summary>
public sealed class SchemaValues(OpenApiContract contract, IReadOnlyDictionary<string, Gen<JsonNode?>> hints)
{
    private static readonly Gen<string> Word = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789_-"], 1, 12];

    public Gen<JsonNode?> For(JsonNode schema, int depth = 0)
    {
        var node = contract.Resolve(schema);
        if (node["anyOf"] is JsonArray anyOf)
        {
            // Mostly a non-null alternative: null teaches little.
            var alternatives = anyOf.Select(a => (Weight: IsNull(a!) ? 1 : 4, Gen: For(a!, depth))).ToArray();
            return Gen.Frequency(alternatives.Select(a => (a.Weight, (IGen<JsonNode?>)a.Gen)).ToArray());
        }
        if (node["enum"] is JsonArray values)
        {
            return Choose.One([.. values.Select(v => v?.DeepClone())]);
        }
        var types = node["type"] switch
        {
            JsonArray many => many.Select(t => t!.GetValue<string>()).ToArray(),
            JsonValue one => [one.GetValue<string>()],
            _ => ["object"],
        };
        var type = types.FirstOrDefault(t => t != "null") ?? "null";
        return type switch
        {
            "null" => Gen.Const((JsonNode?)null),
            "string" => StringFor(node),
            "integer" => Gen.Long[Bound(node, "minimum", 0), Bound(node, "maximum", 100)].Select(v => (JsonNode?)JsonValue.Create(v)),
            "number" => Gen.Double[0, 100].Select(v => (JsonNode?)JsonValue.Create(v)),
            "boolean" => Gen.Bool.Select(v => (JsonNode?)JsonValue.Create(v)),
            "array" => depth > 4 ? Gen.Const<JsonNode?>(new JsonArray())
                : For(node["items"] ?? new JsonObject(), depth + 1).Array[0, 3].Select(items => (JsonNode?)new JsonArray([.. items.Select(item => item?.DeepClone())])),
            _ => ObjectFor(node, depth),
        };
    }

    private Gen<JsonNode?> StringFor(JsonObject node)
    {
        if (node["format"]?.GetValue<string>() == "date-time")
        {
            return Gen.Int[1, 240].Select(hours => (JsonNode?)JsonValue.Create(
                DateTimeOffset.UtcNow.AddHours(hours).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
        }
        if (node["pattern"]?.GetValue<string>() == "^[0-9]+$")
        {
            return Gen.Int[0, 100].Select(n => (JsonNode?)JsonValue.Create(n.ToString(CultureInfo.InvariantCulture)));
        }
        return Word.Select(w => (JsonNode?)JsonValue.Create(w));
    }

    private Gen<JsonNode?> ObjectFor(JsonObject node, int depth)
    {
        var properties = node["properties"]?.AsObject() ?? [];
        if (properties.Count == 0 || depth > 4)
        {
            // Any JSON object: a small one.
            return Word.Array[0, 3].Select(keys => (JsonNode?)new JsonObject(keys.Distinct().Select(k => KeyValuePair.Create(k, (JsonNode?)JsonValue.Create(k.Length)))));
        }
        var required = node["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
        var members = Gen.Const(System.Collections.Immutable.ImmutableList<KeyValuePair<string, JsonNode?>>.Empty);
        foreach (var (name, propertySchema) in properties)
        {
            var value = hints.TryGetValue(name, out var hint) ? hint : For(propertySchema!, depth + 1);
            // A required member always; an optional one half the time.
            var include = required.Contains(name) ? Gen.Const(true) : Gen.Bool;
            members = members.SelectMany(list => include.SelectMany(yes => yes
                ? value.Select(v => list.Add(KeyValuePair.Create(name, v)))
                : Gen.Const(list)));
        }
        return members.Select(list => (JsonNode?)new JsonObject(list.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone()))));
    }

    private static long Bound(JsonObject node, string name, long fallback) =>
        node[name] is JsonValue value ? (long)value.GetValue<double>() : fallback;

    private static bool IsNull(JsonNode schema) => schema["type"]?.ToJsonString() == "\"null\"";
}
