using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Core.Events;

namespace Approvals.Core;

/// <summary>
/// The JSON values a request hands us to keep (an approval's context, a workflow's input, a task's
/// output): one set of limits for all of them, checked before anything is stored.
/// </summary>
public static class StoredJson
{
    /// <summary>
    /// The deepest nesting a stored value may have. Responses embed stored values a few levels down
    /// (a workflow list → a workflow → its waiting approval → the context) and JSON is read and
    /// written to 64 levels, so 32 leaves every envelope room: no stored value can make a response
    /// (or a list holding it) unwritable.
    /// </summary>
    public const int MaxDepth = 32;

    /// <summary>How deep stored JSON (and responses embedding it) is parsed back: already-stored values predate <see cref="MaxDepth"/>.</summary>
    private static readonly JsonDocumentOptions ReadBack = new() { MaxDepth = 256 };

    private static readonly JsonDocumentOptions Strict = new() { MaxDepth = MaxDepth + 1, AllowDuplicateProperties = false };

    /// <summary>
    /// The canonical text to store for <paramref name="value"/>, or the reason it cannot be stored:
    /// not an object (when <paramref name="objectOnly"/>), deeper than <see cref="MaxDepth"/>, a
    /// property named twice, text <see cref="InputText"/> refuses, or more than <paramref name="maxBytes"/>.
    /// </summary>
    public static string? TryCanonicalize(JsonElement value, string field, int maxBytes, bool objectOnly, out string canonical)
    {
        canonical = "{}";
        if (objectOnly && value.ValueKind != JsonValueKind.Object)
        {
            return $"{field} must be a JSON object.";
        }
        if (Depth(value) > MaxDepth)
        {
            return $"{field} must nest at most {MaxDepth} levels.";
        }
        if (!HasCleanText(value))
        {
            return InputText.Refusal(field);
        }
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(value.GetRawText(), documentOptions: Strict);
        }
        catch (JsonException)
        {
            return $"{field} names a property twice in one object.";
        }
        canonical = EventHasher.Canonicalize(node);
        return Encoding.UTF8.GetByteCount(canonical) > maxBytes ? $"{field} must be at most {maxBytes / 1024} KiB." : null;
    }

    /// <summary>Parses stored JSON text for a response, however deep it was stored.</summary>
    public static JsonNode? Parse(string json) => JsonNode.Parse(json, documentOptions: ReadBack);

    /// <summary>Levels of nesting: a scalar is 0, <c>{}</c> and <c>[]</c> are 1.</summary>
    private static int Depth(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var deepestProperty = 0;
                foreach (var property in value.EnumerateObject())
                {
                    deepestProperty = Math.Max(deepestProperty, Depth(property.Value));
                }
                return 1 + deepestProperty;
            case JsonValueKind.Array:
                var deepestItem = 0;
                foreach (var item in value.EnumerateArray())
                {
                    deepestItem = Math.Max(deepestItem, Depth(item));
                }
                return 1 + deepestItem;
            default:
                return 0;
        }
    }

    private static bool HasCleanText(JsonElement value)
    {
        try
        {
            return IsClean(value);
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape (\ud800) cannot be read as a .NET string.
            return false;
        }
    }

    private static bool IsClean(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => value.EnumerateObject().All(p => InputText.IsClean(p.Name) && IsClean(p.Value)),
        JsonValueKind.Array => value.EnumerateArray().All(IsClean),
        JsonValueKind.String => InputText.IsClean(value.GetString()),
        _ => true,
    };
}
