namespace Approvals.Server.Inbox;

/// <summary>
/// The response headers of inbox pages: never cached (they show who may decide what), never framed
/// (a decision button under someone else's page is a click-jacking target), and only this site's own
/// scripts, styles and connections (no CDN: everything is served here).
/// </summary>
public sealed class InboxHeaders(RequestDelegate next, IConfiguration configuration)
{
    /// <summary>The endpoint metadata that marks an inbox page.</summary>
    public static readonly object Marker = new InboxPage();

    // Signing out through an OIDC authority redirects a form post to it, which form-action must allow.
    private readonly string _policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'self'"
        + (InboxOptions.UsesOidc(configuration) && Uri.TryCreate(configuration["Approvals:Auth:Authority"], UriKind.Absolute, out var authority)
            ? " " + authority.GetLeftPart(UriPartial.Authority)
            : "");

    public Task InvokeAsync(HttpContext http)
    {
        if (http.GetEndpoint()?.Metadata.GetMetadata<InboxPage>() is not null)
        {
            var headers = http.Response.Headers;
            // As the anti-forgery system sets them on a page with a form (other values make it log a warning).
            headers.CacheControl = "no-cache, no-store";
            headers.Pragma = "no-cache";
            headers.ContentSecurityPolicy = _policy;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "same-origin";
        }
        return next(http);
    }

    private sealed class InboxPage;
}
