namespace Approvals.Server.Http;

/// <summary>
/// The limits on a request's target and headers, answered as problem+json like every other refusal.
/// Kestrel refuses an oversized request line or header block itself, before any middleware and with an
/// empty body; so its own limits are set well above these (<see cref="ConfigureKestrel"/>) and the API's
/// limits are enforced here, where the answer can be a problem. Only requests beyond Kestrel's far
/// larger limits still get Kestrel's bare answer.
/// </summary>
public sealed class RequestSizeGuard(RequestDelegate next)
{
    /// <summary>The longest request target (path and query) the API takes: 8 KiB, as Kestrel's default.</summary>
    public const int MaxTargetLength = 8 * 1024;

    /// <summary>The most header bytes the API takes: 32 KiB, as Kestrel's default.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    public Task InvokeAsync(HttpContext http)
    {
        var request = http.Request;
        if (request.Path.Value?.Length + request.QueryString.Value?.Length > MaxTargetLength)
        {
            return Problems.Write(http, Problems.ForStatus(StatusCodes.Status414UriTooLong,
                $"The request target (path and query) is longer than {MaxTargetLength} characters."));
        }
        var headerBytes = 0L;
        foreach (var (name, values) in request.Headers)
        {
            headerBytes += name.Length + values.Sum(v => v?.Length ?? 0);
        }
        if (headerBytes > MaxHeaderBytes)
        {
            return Problems.Write(http, Problems.ForStatus(StatusCodes.Status431RequestHeaderFieldsTooLarge,
                $"The request headers are larger than {MaxHeaderBytes} bytes."));
        }
        return next(http);
    }

    /// <summary>Kestrel's own limits, four times the API's, so the API's are the ones callers meet.</summary>
    public static void ConfigureKestrel(Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits limits)
    {
        limits.MaxRequestLineSize = 4 * MaxTargetLength;
        limits.MaxRequestHeadersTotalSize = 4 * MaxHeaderBytes;
    }
}
