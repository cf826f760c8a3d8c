using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Approvals.Server.Tests.Contract;

/// <summary>One operation of the document: its method, path template and description.</summary>
public sealed record ApiOperation(string Method, string Template, JsonObject Node)
{
    public string Name => $"{Method} {Template}";

    public IEnumerable<JsonObject> Parameters => Node["parameters"]?.AsArray().OfType<JsonObject>() ?? [];

    /// <summary>The JSON schema of the request body, when the operation takes one.</summary>
    public JsonNode? BodySchema => Node["requestBody"]?["content"]?["application/json"]?["schema"];

    public JsonObject Responses => Node["responses"]!.AsObject();

    public bool IsAnonymous => Node["security"] is not JsonArray { Count: > 0 };

    public override string ToString() => Name;
}

/// <summary>
/// The served OpenAPI document as a contract: which operations exist, and whether a response (status,
/// media type, body) is one the document allows. Bodies are validated with JsonSchema.Net against the
/// document's own schemas (OpenAPI 3.1 schemas are JSON Schema 2020-12).
/// </summary>
public sealed class OpenApiContract
{
    private static readonly EvaluationOptions Evaluation = new() { OutputFormat = OutputFormat.List };

    private readonly JsonObject _schemas;
    private readonly ConcurrentDictionary<string, JsonSchema> _validators = new(StringComparer.Ordinal);
    private int _built;

    private OpenApiContract(JsonObject document)
    {
        Document = document;
        _schemas = document["components"]?["schemas"]?.AsObject() ?? [];
        Operations = [.. document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Select(operation => new ApiOperation(operation.Key.ToUpperInvariant(), path.Key, operation.Value!.AsObject())))];
    }

    public JsonObject Document { get; }

    public IReadOnlyList<ApiOperation> Operations { get; }

    public static async Task<OpenApiContract> LoadAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/openapi/v1.json");
        response.EnsureSuccessStatusCode();
        return new OpenApiContract(JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    public ApiOperation Operation(string method, string template) =>
        Operations.Single(o => o.Method == method && o.Template == template);

    /// <summary>A schema with its <c>$ref</c> followed to the component it names.</summary>
    public JsonObject Resolve(JsonNode schema)
    {
        var node = schema.AsObject();
        while (node["$ref"]?.GetValue<string>() is { } reference)
        {
            node = _schemas[reference["#/components/schemas/".Length..]]!.AsObject();
        }
        return node;
    }

    /// <summary>
    /// What is wrong with a response to <paramref name="operation"/>: an undocumented status, a media type
    /// the document does not give for it, or a body its schema rejects; empty when it matches. A problem
    /// body must also read as a .NET <c>ProblemDetails</c> whose status is the HTTP status.
    /// <paramref name="bodyRead"/> is false for a stream whose body was not read (Server-Sent Events).
    /// </summary>
    public IReadOnlyList<string> Check(ApiOperation operation, int status, string? mediaType, string body, bool bodyRead = true)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses[key] is not JsonObject response)
        {
            return [$"status {status} is not documented for {operation.Name} (documented: {string.Join(", ", operation.Responses.Select(r => r.Key))})"];
        }
        var content = response["content"]?.AsObject();
        if (content is null || content.Count == 0)
        {
            return body.Length == 0 ? [] : [$"{status} of {operation.Name} documents no body, but one came: {Shorten(body)}"];
        }
        if (mediaType is null || !content.ContainsKey(mediaType))
        {
            return [$"{status} of {operation.Name} came as '{mediaType}', documented: {string.Join(", ", content.Select(c => c.Key))}"];
        }
        if (!bodyRead || !(mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal)))
        {
            return [];
        }
        JsonDocument parsed;
        try
        {
            parsed = JsonDocument.Parse(body);
        }
        catch (JsonException error)
        {
            return [$"{status} of {operation.Name} is not JSON ({error.Message}): {Shorten(body)}"];
        }
        using (parsed)
        {
            var violations = new List<string>();
            var schema = content[mediaType]!["schema"];
            if (schema is not null)
            {
                var results = Validator(schema).Evaluate(parsed.RootElement, Evaluation);
                if (!results.IsValid)
                {
                    var errors = (results.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                        .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"));
                    violations.Add($"{status} {mediaType} body of {operation.Name} contradicts its schema ({string.Join("; ", errors.Take(5))}): {Shorten(body)}");
                }
            }
            if (mediaType == "application/problem+json")
            {
                var problem = JsonSerializer.Deserialize<Microsoft.AspNetCore.Mvc.ProblemDetails>(body);
                if (problem?.Status != status)
                {
                    violations.Add($"{status} problem of {operation.Name} reads as a ProblemDetails with status {problem?.Status}: {Shorten(body)}");
                }
            }
            return violations;
        }
    }

    /// <summary>A validator for a schema of the document: the schema with every component beside it as <c>$defs</c>.</summary>
    private JsonSchema Validator(JsonNode schema) =>
        _validators.GetOrAdd(schema.ToJsonString(), text =>
        {
            var standalone = new JsonObject { ["$defs"] = _schemas.DeepClone(), ["allOf"] = new JsonArray(JsonNode.Parse(text)) }
                .ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
            // Each schema is built in its own registry under its own address, so none replaces another.
            var address = new Uri($"https://approvals.test/schemas/{Interlocked.Increment(ref _built)}");
            return JsonSchema.FromText(standalone, new BuildOptions { SchemaRegistry = new SchemaRegistry() }, address);
        });

    public static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + $"… ({text.Length} chars)";
}
