using System.Buffers;
using System.Text.Json;
using Approvals.Core;
using Approvals.Server.Configuration;
using Microsoft.Extensions.Options;
using Approvals.Contracts;

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
            // An optional body that is absent reads as "{}": the body records have no parameterless constructor.
            return required
                ? DomainError.Validation("body", "A JSON body is required.")
                : Result<T>.Success(JsonSerializer.Deserialize<T>("{}"u8, WireJson.Options)!);
        }
        if (!IsJson(request.ContentType))
        {
            return DomainError.Validation("body", "The body must be JSON (Content-Type: application/json).");
        }
        if (BodyText.Inspect(bytes) is { } refusal)
        {
            return refusal;
        }
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, WireJson.Options);
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

/// <summary>
/// The request body, read once and kept (idempotency hashes it; the endpoint parses it). The size
/// limit is enforced here too, not only by Kestrel's <c>MaxRequestBodySize</c>, so it holds on any
/// server (a host without that feature would otherwise buffer any size).
/// </summary>
public static class RequestBody
{
    private static readonly object Key = new();

    public static async Task<byte[]> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Items.TryGetValue(Key, out var cached) && cached is byte[] bytes)
        {
            return bytes;
        }
        var limit = request.HttpContext.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.MaxRequestBodyBytes;
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }
        bytes = request.ContentLength is { } length
            ? await ReadExactlyAsync(request.Body, (int)length, cancellationToken)
            : await ReadToEndAsync(request.Body, limit, cancellationToken);
        request.HttpContext.Items[Key] = bytes;
        return bytes;
    }

    // The usual case: the length is declared (and within the limit), so the body goes straight into an array of its size.
    private static async Task<byte[]> ReadExactlyAsync(Stream body, int length, CancellationToken cancellationToken)
    {
        var bytes = length == 0 ? [] : new byte[length];
        try
        {
            await body.ReadExactlyAsync(bytes, cancellationToken);
        }
        catch (EndOfStreamException)
        {
            throw new BadHttpRequestException("The request body is shorter than its Content-Length.", StatusCodes.Status400BadRequest);
        }
        return bytes;
    }

    // A chunked body: copied through a pooled buffer, the limit checked as it grows.
    private static async Task<byte[]> ReadToEndAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw TooLarge(limit);
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
        return buffer.ToArray();
    }

    private static BadHttpRequestException TooLarge(long limit) =>
        new($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
}
