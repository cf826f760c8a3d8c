using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Approvals.Contracts;

/// <summary>
/// The wire JSON of the API: snake_case names, UTC times with a Z, strict numbers. Shared by the
/// gateway, the grains (which render replies and carry these types between silos) and clients.
/// </summary>
public static class WireJson
{
    /// <summary>
    /// How deep JSON is read and written. Responses embed stored values (at most
    /// <c>StoredJson.MaxDepth</c> deep, older ones deeper) inside their envelopes, and a response must
    /// never fail to write; a request's stored values are held to their own, lower limit.
    /// </summary>
    public const int MaxDepth = 256;

    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.PropertyNameCaseInsensitive = false;
        options.MaxDepth = MaxDepth;
        options.Converters.Add(new UtcTimeConverter());
        return options;
    }

    /// <summary>Times go out as <c>2026-01-01T09:00:00.123456Z</c>; any ISO 8601 time with an offset comes in.</summary>
    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            if (text is null || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var value)
                || !(text.EndsWith('Z') || text.EndsWith('z') || text.Length > 6 && (text[^6] == '+' || text[^6] == '-')))
            {
                throw new JsonException("Expected an ISO 8601 time with a time zone, such as 2026-01-01T09:00:00Z.");
            }
            return value;
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Format(value));
    }

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
