using Microsoft.AspNetCore.Antiforgery;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Inbox;

/// <summary>The embedded default's session: the pasted credential in an HTTP-only cookie.</summary>
public sealed class InboxSessions(IHostEnvironment environment, IOptions<InboxOptions> options, TimeProvider clock)
{
    /// <summary>
    /// The flags every inbox cookie carries: HTTP-only (no script reads it), SameSite=Lax (another site's
    /// form or fetch does not carry it; following a link does), and Secure outside Development (browsers
    /// treat http://localhost as secure, so the zero-configuration start still works).
    /// </summary>
    public static void Protect(CookieBuilder cookie, IHostEnvironment environment)
    {
        cookie.HttpOnly = true;
        cookie.SameSite = SameSiteMode.Lax;
        cookie.SecurePolicy = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        cookie.IsEssential = true;
        cookie.Path = "/";
    }

    /// <summary>Sets the session for <paramref name="credential"/>, validated by <see cref="InboxAuth.ValidateAsync"/>.</summary>
    public void Start(HttpContext http, string credential)
    {
        var cookie = new CookieBuilder { Name = InboxAuth.CookieName };
        Protect(cookie, environment);
        // A token's session lasts as long as the token; a key's (it never expires) for the session lifetime.
        var expires = InboxAuth.ExpiryOf(credential) ?? clock.GetUtcNow() + options.Value.SessionLifetime;
        var cookieOptions = cookie.Build(http, clock.GetUtcNow());
        cookieOptions.Expires = expires;
        http.Response.Cookies.Append(InboxAuth.CookieName, credential, cookieOptions);
    }

    /// <summary>Ends the session: the cookie is removed with the same flags it was set with.</summary>
    public void End(HttpContext http)
    {
        var cookie = new CookieBuilder { Name = InboxAuth.CookieName };
        Protect(cookie, environment);
        http.Response.Cookies.Delete(InboxAuth.CookieName, cookie.Build(http));
    }

    /// <summary>
    /// The anti-forgery cookie: HTTP-only and SameSite=Lax like the session cookie (the form's token, not the
    /// cookie, proves that a post came from our page; the cookie only has to travel with it). Secure as the
    /// request is here; outside Development the cookie policy below makes it Secure always.
    /// </summary>
    public static void Protect(AntiforgeryOptions antiforgery)
    {
        antiforgery.Cookie.Name = "approvals_antiforgery";
        antiforgery.Cookie.HttpOnly = true;
        antiforgery.Cookie.SameSite = SameSiteMode.Lax;
        // Not Always: with Always the anti-forgery system refuses every request that did not arrive over
        // HTTPS itself, which breaks plain http://localhost and any node behind a proxy that ends TLS.
        antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        antiforgery.Cookie.Path = "/";
    }

    /// <summary>
    /// The cookie policy (<c>UseCookiePolicy</c>) over every cookie the server sets after it: HTTP-only, and
    /// outside Development Secure whatever the request's scheme, as the session cookie is. It is what makes
    /// the anti-forgery cookie Secure, since the anti-forgery options cannot (see above) and the policy only
    /// sets the flag on the cookie, checking nothing about the request.
    /// </summary>
    public static void Protect(CookiePolicyOptions policy, IHostEnvironment environment)
    {
        policy.HttpOnly = Microsoft.AspNetCore.CookiePolicy.HttpOnlyPolicy.Always;
        policy.Secure = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
    }
}
