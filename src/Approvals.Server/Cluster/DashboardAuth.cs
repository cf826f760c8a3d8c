using Approvals.Server.Auth;
using Approvals.Server.Inbox;
using Microsoft.AspNetCore.Authentication;

namespace Approvals.Server.Cluster;

/// <summary>
/// Who may open the dashboard, and how: an operator (the admin role, or a key with the admin scope) with the
/// API's credentials (a bearer token or an API key, as for the REST API), or in a browser with the reviewer
/// inbox's session (sign in on the inbox, follow its Dashboard link).
/// <para>
/// The session cookie goes with a browser's requests of its own accord, so it must not let another site act
/// through an operator's browser. Every dashboard endpoint is a GET (Orleans maps nothing else), but not every
/// one is free of effects: <c>GrainState</c> calls each parameterless method of a grain's interfaces that returns
/// its state type. And <c>SameSite=Lax</c> keeps the cookie off another site's forms, scripts, images and frames,
/// but not off a link it shows: a top-level GET navigation carries it. So the session counts only for a GET
/// that this site itself made (<c>Sec-Fetch-Site: same-origin</c>, the dashboard's own fetches) or that the
/// person made (<c>none</c>: typed, bookmarked), or for opening the dashboard's page itself from a link anywhere
/// (a static page that reads and changes nothing; its data is then fetched same-origin). Any other request
/// with only the cookie is treated as one without credentials; browsers send Fetch Metadata to HTTPS and
/// localhost addresses, where the (Secure) session cookie is sent too. A bearer header or an API key, when
/// present, is the credential, whatever cookie comes with it.
/// </para>
/// </summary>
public static class DashboardAuth
{
    /// <summary>The dashboard's scheme: the API's credentials, else the inbox session where it may count.</summary>
    public const string Scheme = "Dashboard";

    /// <summary>What a refused request gets: a browser opening the page goes to the sign-in page, anything else a 401 problem.</summary>
    public const string ChallengeScheme = "DashboardChallenge";

    public const string FetchSiteHeader = "Sec-Fetch-Site";

    public static IServiceCollection AddDashboardAuth(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddPolicyScheme(Scheme, "Orleans dashboard", o =>
            {
                o.ForwardDefaultSelector = http => SessionCounts(http.Request) ? InboxAuth.Scheme : ApiKeyDefaults.SelectorScheme;
                o.ForwardChallenge = ChallengeScheme;
                // The API's 403 problem, whichever credential was refused.
                o.ForwardForbid = ApiKeyDefaults.SelectorScheme;
            })
            .AddPolicyScheme(ChallengeScheme, "Orleans dashboard sign-in", o =>
                // The inbox's challenge: its sign-in page (or the OIDC authority), which brings the person back here.
                o.ForwardDefaultSelector = http => OpensThePage(http.Request) ? InboxAuth.Scheme : ApiKeyDefaults.SelectorScheme);
        services.AddAuthorizationBuilder().AddPolicy(DashboardSetup.Policy, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser()
            .RequireAssertion(context => PrincipalMapping.FromClaims(context.User) is { IsAdmin: true }));
        return services;
    }

    /// <summary>True when the inbox session authenticates this request (see the class remarks).</summary>
    internal static bool SessionCounts(HttpRequest request) =>
        !PresentsApiCredential(request)
        && HttpMethods.IsGet(request.Method)
        && request.Cookies.ContainsKey(InboxAuth.CookieName)
        && (IsThePage(request) || request.Headers[FetchSiteHeader].ToString() is "same-origin" or "none");

    /// <summary>
    /// A browser opening the dashboard's page without a session: sent to sign in. Its data endpoints answer
    /// 401 instead, so that a link to one of them from another site cannot become a sign-in page whose
    /// Continue makes the request same-origin.
    /// </summary>
    internal static bool OpensThePage(HttpRequest request) =>
        !PresentsApiCredential(request)
        && HttpMethods.IsGet(request.Method)
        && IsThePage(request)
        && request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase));

    // Any Authorization header (a JWT, or a key as Bearer ak_…) or an X-Api-Key: an API client's request.
    private static bool PresentsApiCredential(HttpRequest request) =>
        request.Headers.Authorization.Count > 0 || request.Headers.ContainsKey(ApiKeyDefaults.Header);

    // The single page of the dashboard (it redirects /dashboard to /dashboard/); everything else is its data and assets.
    private static bool IsThePage(HttpRequest request) =>
        request.Path.Equals(DashboardSetup.Path, StringComparison.OrdinalIgnoreCase)
        || request.Path.Equals(DashboardSetup.Path + "/", StringComparison.OrdinalIgnoreCase)
        || request.Path.Equals(DashboardSetup.Path + "/index.html", StringComparison.OrdinalIgnoreCase);
}
