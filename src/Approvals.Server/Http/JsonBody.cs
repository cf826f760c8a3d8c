using System.Text.Json;
using Approvals.Core;

namespace Approvals.Server.Http;

/// <summary>
/// Reads a JSON body so that every kind of bad input is a 400 naming the field (malformed JSON,
/// wrong types, a missing body) and an oversized body a 413, instead of an exception.
/// </summary>
public static class JsonBody
{
    public static async Task<Result<T>> ReadAsync<T>(HttpRequest request, bool required, CancellationToken cancellationToken) where T : class
    {
        var bytes = await RequestBody.ReadAsync(request, cancellationToken);
        if (bytes.Length == 0 || bytes.AsSpan().Trim(" \t\r\n"u8).Length == 0)
        {
            return required
                ? DomainError.Validation("body", "A JSON body is required.")
                : Result<T>.Success(Activator.CreateInstance<T>());
        }
        if (!IsJson(request.ContentType))
        {
            return DomainError.Validation("body", "The body must be JSON (Content-Type: application/json).");
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, ApiJson.Options);
            return value is null ? DomainError.Validation("body", "The body must be a JSON object.") : value;
        }
        catch (JsonException error)
        {
            var field = string.IsNullOrEmpty(error.Path) || error.Path == "$" ? "body" : error.Path.TrimStart('$', '.');
            return DomainError.Validation(field, error.Message.Split(" Path:", 2)[0]);
        }
    }

    private static bool IsJson(string? contentType) =>
        contentType is null || contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The request body, read once and kept (idempotency hashes it; the endpoint parses it).</summary>
public static class RequestBody
{
    private static readonly object Key = new();

    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Items.TryGetValue(Key, out var cached) && cached is byte[] bytes)
        {
            return bytes;
        }
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        bytes = buffer.ToArray();
        request.HttpContext.Items[Key] = bytes;
        return bytes;
    }
}
