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
    /// The anti-forgery cookie: HTTP-only and SameSite=Strict (its token only ever goes with a form of this
    /// site), Secure whenever the request came over HTTPS. Not Secure on plain HTTP, unlike the session
    /// cookie: the anti-forgery system refuses to serve plain HTTP at all with an always-Secure cookie, and
    /// this cookie is no credential, only the half of a token pair that is bound to the session's person.
    /// </summary>
    public static void Protect(AntiforgeryOptions antiforgery)
    {
        antiforgery.Cookie.Name = "approvals_antiforgery";
        antiforgery.Cookie.HttpOnly = true;
        antiforgery.Cookie.SameSite = SameSiteMode.Strict;
        antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        antiforgery.Cookie.Path = "/";
    }
}
