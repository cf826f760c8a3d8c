using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Approvals.Core.Events;

/// <summary>
/// The per-subject hash chain: each event's hash covers its canonical content and the hash of the
/// previous event of the same subject, so changing or removing one breaks every later link.
/// </summary>
public static class EventHasher
{
    private static readonly JsonWriterOptions CanonicalWriter = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Builds a stamped, hashed event that follows <paramref name="prevHash"/>.</summary>
    public static EventRecord Seal(string id, NewEvent e, string tenantId, string subjectId, DateTimeOffset at, string? prevHash,
        AuditContext? audit = null)
    {
        var data = Canonicalize(e.Data);
        var unsealed = new EventRecord(id, 0, e.Type, tenantId, subjectId, e.Actor, at, data, prevHash, "") { Audit = audit };
        return unsealed with { Hash = ComputeHash(unsealed) };
    }

    /// <summary>The hash an event should carry given its content and <see cref="EventRecord.PrevHash"/>.</summary>
    public static string ComputeHash(EventRecord e)
    {
        // A JSON array of the fields: unambiguous whatever characters a field holds.
        string?[] fields = [e.PrevHash, e.Id, e.Type, e.TenantId, e.SubjectId, e.Actor, FormatTime(e.At), e.DataJson];
        if (e.Audit is { } audit)
        {
            // Only when present, so events sealed before the audit context existed still verify.
            fields = [.. fields, audit.Ip, audit.UserAgent, audit.CorrelationId];
        }
        var bytes = JsonSerializer.SerializeToUtf8Bytes(fields);
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    /// <summary>Timestamps in the chain: UTC with exactly six fractional digits.</summary>
    public static string FormatTime(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Compact JSON with object keys sorted ordinally, recursively.</summary>
    public static string Canonicalize(JsonNode? node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, CanonicalWriter))
        {
            Write(writer, node);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, value);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    Write(writer, item);
                }
                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }
}
