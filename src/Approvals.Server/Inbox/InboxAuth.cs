using System.Text.Encodings.Web;
using Approvals.Server.ApiKeys;
using Approvals.Server.Auth;
using Approvals.Server.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Approvals.Server.Inbox;

/// <summary>
/// How the inbox knows who is there. Its pages accept only the inbox session, and the API's schemes
/// never read it: the API's bearer and API-key authentication stay as they were, and a browser's cookie
/// can never call the API (which has no anti-forgery check).
/// <list type="bullet">
/// <item>Embedded default: the session cookie (HTTP-only) holds the token, or API key, that the person
/// pasted on the sign-in page, and every request validates it with the API's own handlers: JWT bearer set
/// up by <see cref="AuthSetup.ValidateTokensAsTheApiDoes"/>, or the API-key handler (a storage read, so a
/// revoked key ends the session at once). The session ends when the token expires.</item>
/// <item>With an OIDC authority and a client id (<see cref="InboxOptions.UsesOidc"/>): the standard
/// authorization-code sign-in into a cookie session, the ID token's claims mapped as a bearer token's are.</item>
/// </list>
/// </summary>
public static class InboxAuth
{
    /// <summary>The authorization policy of every inbox page and call.</summary>
    public const string Policy = "inbox";

    /// <summary>The inbox's scheme: picks the handler for the session at hand.</summary>
    public const string Scheme = "Inbox";

    public const string TokenScheme = "InboxToken";
    public const string KeyScheme = "InboxApiKey";
    public const string SignInScheme = "InboxSignIn";
    public const string CookieScheme = "InboxCookie";
    public const string OidcScheme = "InboxOidc";

    /// <summary>The session cookie.</summary>
    public const string CookieName = "approvals_session";

    public const string SignInPath = "/signin";
    public const string SignOutPath = "/signout";
    public const string OidcSignInPath = "/signin/oidc";

    // The credential being signed in with: read instead of the cookie while it is validated.
    private static readonly object Submitted = new();

    public static IServiceCollection AddInboxAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var oidc = InboxOptions.UsesOidc(configuration);
        var authentication = services.AddAuthentication()
            .AddPolicyScheme(Scheme, "Reviewer inbox", o =>
            {
                o.ForwardDefaultSelector = http => oidc ? CookieScheme : IsApiKey(Credential(http)) ? KeyScheme : TokenScheme;
                o.ForwardChallenge = oidc ? OidcScheme : SignInScheme;
                o.ForwardForbid = SignInScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, SignInRedirectHandler>(SignInScheme, null);
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        services.AddSingleton<InboxSessions>();

        if (!oidc)
        {
            authentication.AddJwtBearer(TokenScheme)
                .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(KeyScheme, o => o.ReadKey = request => Credential(request.HttpContext));
            services.AddOptions<JwtBearerOptions>(TokenScheme).Configure<IOptions<AuthOptions>, TokenKey>((jwt, auth, key) =>
            {
                AuthSetup.ValidateTokensAsTheApiDoes(jwt, auth.Value, key);
                jwt.Events.OnMessageReceived = context =>
                {
                    // The session's token only: without one this scheme has no opinion (it never reads an
                    // Authorization header, which is the API's).
                    if (Credential(context.HttpContext) is { Length: > 0 } token)
                    {
                        context.Token = token;
                    }
                    else
                    {
                        context.NoResult();
                    }
                    return Task.CompletedTask;
                };
            });
            return services;
        }

        authentication.AddCookie(CookieScheme).AddOpenIdConnect(OidcScheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<IOptions<InboxOptions>, IHostEnvironment>((cookie, inbox, environment) =>
        {
            cookie.Cookie.Name = CookieName;
            InboxSessions.Protect(cookie.Cookie, environment);
            cookie.ExpireTimeSpan = inbox.Value.SessionLifetime;
            cookie.SlidingExpiration = false;
            cookie.LoginPath = SignInPath;
            cookie.ReturnUrlParameter = "returnUrl";
        });
        services.AddOptions<OpenIdConnectOptions>(OidcScheme).Configure<IOptions<AuthOptions>, IOptions<InboxOptions>>((o, auth, inbox) =>
        {
            o.Authority = auth.Value.Authority;
            o.ClientId = inbox.Value.ClientId;
            o.ClientSecret = inbox.Value.ClientSecret;
            o.ResponseType = OpenIdConnectResponseType.Code;
            o.UsePkce = true;
            o.SignInScheme = CookieScheme;
            o.SignOutScheme = CookieScheme;
            // The ID token's own claim names (sub, role, tenant, approval_level), as a bearer token's are kept.
            o.MapInboundClaims = false;
            o.GetClaimsFromUserInfoEndpoint = true;
            o.ClaimActions.MapJsonKey("role", "role");
            o.ClaimActions.MapUniqueJsonKey("tenant", "tenant");
            o.ClaimActions.MapUniqueJsonKey(PrincipalMapping.ApprovalLevelClaim, PrincipalMapping.ApprovalLevelClaim);
            o.TokenValidationParameters.NameClaimType = "name";
            o.TokenValidationParameters.RoleClaimType = "role";
            o.Scope.Clear();
            foreach (var scope in inbox.Value.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                o.Scope.Add(scope);
            }
            o.Events.OnTicketReceived = context =>
            {
                // The same refusal as for a bearer token: a person the API would not accept gets no session.
                if (!PrincipalMapping.TryMap(context.Principal!, out _, out var refusal))
                {
                    context.Fail(new TokenClaimsRefusedException(refusal!));
                }
                return Task.CompletedTask;
            };
        });
        return services;
    }

    /// <summary>The credential of the inbox session: the one being signed in with, else the cookie's.</summary>
    internal static string? Credential(HttpContext http) =>
        http.Items.TryGetValue(Submitted, out var submitted) ? submitted as string : http.Request.Cookies[CookieName];

    internal static bool IsApiKey(string? credential) => credential?.StartsWith(ApiKeyFormat.Marker, StringComparison.Ordinal) == true;

    /// <summary>
    /// Validates a pasted token or API key with the handler its session would use, as the API would, setting
    /// nothing. A handler instance of its own, not the request's (which caches its result per request).
    /// </summary>
    internal static async Task<AuthenticateResult> ValidateAsync(HttpContext http, string credential)
    {
        var name = IsApiKey(credential) ? KeyScheme : TokenScheme;
        var scheme = await http.RequestServices.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(name)
            ?? throw new InvalidOperationException($"The {name} scheme is not registered (is the inbox signing in through OIDC?).");
        var handler = (IAuthenticationHandler)ActivatorUtilities.CreateInstance(http.RequestServices, scheme.HandlerType);
        http.Items[Submitted] = credential;
        try
        {
            await handler.InitializeAsync(scheme, http);
            return await handler.AuthenticateAsync();
        }
        finally
        {
            http.Items.Remove(Submitted);
        }
    }

    /// <summary>When a pasted token stops being valid (its <c>exp</c>), or null for an API key.</summary>
    internal static DateTimeOffset? ExpiryOf(string credential) =>
        IsApiKey(credential) ? null : new DateTimeOffset(new JsonWebToken(credential).ValidTo, TimeSpan.Zero);

    /// <summary>A return address on this site only (no other host, no scheme), else the inbox.</summary>
    public static string LocalPath(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Contains("://", StringComparison.Ordinal)
            ? url
            : "/";
}

/// <summary>
/// The embedded default's challenge: a person without a valid session is sent to the sign-in page,
/// which brings them back to what they asked for.
/// </summary>
internal sealed class SignInRedirectHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Task.FromResult(AuthenticateResult.NoResult());

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var back = HttpMethods.IsGet(Request.Method) ? OriginalPathBase + OriginalPath + Request.QueryString : "/";
        Response.Redirect(InboxAuth.SignInPath + QueryString.Create("returnUrl", back));
        return Task.CompletedTask;
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
