using Approvals.Core.Storage;

namespace Approvals.Server.Http;

/// <summary>Sends a <see cref="StoredResponse"/> over HTTP.</summary>
public static class StoredResponseHttp
{
    public static async Task WriteAsync(this StoredResponse stored, HttpResponse response)
    {
        response.StatusCode = stored.Status;
        foreach (var (name, value) in stored.Headers)
        {
            response.Headers[name] = value;
        }
        await response.WriteAsync(stored.Body);
    }

    /// <summary>As an endpoint result.</summary>
    public static IResult ToResult(this StoredResponse stored) => new ResponseResult(stored);

    private sealed class ResponseResult(StoredResponse response) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => response.Status;
        public Task ExecuteAsync(HttpContext httpContext) => response.WriteAsync(httpContext.Response);
    }
}
