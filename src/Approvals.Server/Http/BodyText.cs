using System.Text;
using System.Text.Json;
using Approvals.Core;
using Approvals.Contracts;

namespace Approvals.Server.Http;

/// <summary>
/// One pass over a JSON body before it is bound, for what binding would let through or fail on
/// with an exception: a property named twice in one object, and strings (names and values, at any
/// depth) that <see cref="InputText"/> refuses. The refusal names the field by its path
/// (<c>steps[1].approval.title</c>). Nesting is allowed as deep as <see cref="WireJson.MaxDepth"/>, so
/// that a too-deep stored value is refused by <see cref="StoredJson"/> naming its field, not by
/// the reader somewhere inside it.
/// </summary>
public static class BodyText
{
    public static DomainError? Inspect(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = WireJson.MaxDepth });
        var path = new List<Level>();
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        // Until the name is read and vetted, a refusal names the object that holds it.
                        var level = path[^1];
                        level.Name = null;
                        var name = reader.GetString()!;
                        if (!InputText.IsClean(name))
                        {
                            return DomainError.Validation(PathOf(path), InputText.Refusal("A property name"));
                        }
                        level.Name = name;
                        if (!level.Names!.Add(name))
                        {
                            return DomainError.Validation(PathOf(path), $"The property '{name}' is given twice.");
                        }
                        break;
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        CountItem(path);
                        path.Add(new Level(reader.TokenType == JsonTokenType.StartObject));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        path.RemoveAt(path.Count - 1);
                        break;
                    case JsonTokenType.String:
                        CountItem(path);
                        if (!InputText.IsClean(reader.GetString()))
                        {
                            return DomainError.Validation(FieldOf(path), InputText.Refusal(FieldOf(path)));
                        }
                        break;
                    default:
                        CountItem(path);
                        break;
                }
            }
            return null;
        }
        catch (JsonException error)
        {
            // Beyond the reader's depth the path would be hundreds of segments: the body is named instead.
            var field = path.Count is 0 or >= WireJson.MaxDepth ? "body" : FieldOf(path);
            return DomainError.Validation(field, error.Message.Split(" Path:", 2)[0].Split(" LineNumber:", 2)[0]);
        }
        catch (InvalidOperationException)
        {
            // Utf8JsonReader.GetString refuses escapes that make no valid UTF-16 (a lone \ud800).
            return DomainError.Validation(path.Count == 0 ? "body" : FieldOf(path), InputText.Refusal(FieldOf(path)));
        }
    }

    private static void CountItem(List<Level> path)
    {
        if (path.Count > 0 && !path[^1].IsObject)
        {
            path[^1].Index++;
        }
    }

    private static string FieldOf(List<Level> path) => path.Count == 0 ? "body" : PathOf(path);

    /// <summary>snake_case field path as the validation errors name fields: <c>policy.approvers[2]</c>.</summary>
    private static string PathOf(List<Level> path)
    {
        var text = new StringBuilder();
        foreach (var level in path)
        {
            if (level.IsObject)
            {
                if (level.Name is null)
                {
                    break;
                }
                text.Append(text.Length == 0 ? "" : ".").Append(level.Name);
            }
            else if (level.Index >= 0)
            {
                text.Append('[').Append(level.Index).Append(']');
            }
        }
        return text.Length == 0 ? "body" : text.ToString();
    }

    private sealed class Level(bool isObject)
    {
        public bool IsObject { get; } = isObject;
        public HashSet<string>? Names { get; } = isObject ? new HashSet<string>(StringComparer.Ordinal) : null;
        public string? Name { get; set; }
        public int Index { get; set; } = -1;
    }
}
