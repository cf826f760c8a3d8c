using System.Globalization;
using System.Text.Json;
using Approvals.Core.Events;

namespace Approvals.Server.Webhooks;

/// <summary>The body of a delivery: the event as API.md shows it.</summary>
public static class WebhookPayload
{
    /// <summary><c>{ "id", "seq", "type", "tenant_id", "subject_id", "actor", "at", "data" }</c> as UTF-8 JSON.</summary>
    public static byte[] Serialize(EventRecord e)
    {
        ArgumentNullException.ThrowIfNull(e);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", e.Id);
            writer.WriteNumber("seq", e.Seq);
            writer.WriteString("type", e.Type);
            writer.WriteString("tenant_id", e.TenantId);
            writer.WriteString("subject_id", e.SubjectId);
            writer.WriteString("actor", e.Actor);
            writer.WriteString("at", e.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            writer.WritePropertyName("data");
            writer.WriteRawValue(e.DataJson, skipInputValidation: false);
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
