using Approvals.Server.Events;
using Approvals.Server.Inbox.Components;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace Approvals.Server.Inbox;

/// <summary>
/// The reviewer inbox at <c>/</c>: Razor components rendered on the server (static SSR, plain HTML forms
/// with anti-forgery tokens), one small script that follows the event stream to refresh what a page
/// shows, and the sign-in. Every page reads and decides through what the API uses (grains through
/// <c>GrainCalls</c>, the same query services and checks), so the same rules apply.
/// </summary>
public static class InboxSetup
{
    /// <summary>The live-update stream: the API's event stream, for the inbox session.</summary>
    public const string EventsPath = "/ui/events";

    public static IServiceCollection AddApprovalsInbox(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<InboxOptions>().Bind(configuration.GetSection(InboxOptions.Section))
            .Validate(o => o.SessionLifetime > TimeSpan.Zero, "Approvals:Inbox:SessionLifetime must be positive.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.ClientId) || string.IsNullOrWhiteSpace(o.ClientSecret), "Approvals:Inbox:ClientSecret needs Approvals:Inbox:ClientId.")
            .ValidateOnStart();
        services.AddRazorComponents();
        services.AddAntiforgery(InboxSessions.Protect);
        services.AddOptions<CookiePolicyOptions>().Configure<IHostEnvironment>(InboxSessions.Protect);
        // Anti-forgery tokens (and OIDC sessions) are protected by keys kept in the database, shared by every node.
        services.AddInboxKeyRing();
        services.AddInboxAuth(configuration);
        return services;
    }

    /// <summary>Maps the inbox; call after authentication and authorization are in the pipeline.</summary>
    public static WebApplication MapApprovalsInbox(this WebApplication app)
    {
        // Here, after UseAuthorization: the inbox's policy has set the user that a form's token was issued to.
        app.UseAntiforgery();
        app.UseMiddleware<InboxHeaders>();
        app.MapRazorComponents<App>().RequireAuthorization(InboxAuth.Policy).WithMetadata(InboxHeaders.Marker);
        app.MapGet(EventsPath, EventsApi.StreamAsync).RequireAuthorization(InboxAuth.Policy).ExcludeFromDescription();
        app.MapPost(InboxAuth.SignOutPath, SignOutAsync).RequireAuthorization(InboxAuth.Policy).WithMetadata(InboxHeaders.Marker).ExcludeFromDescription();
        if (InboxOptions.UsesOidc(app.Configuration))
        {
            app.MapGet(InboxAuth.OidcSignInPath, (string? returnUrl) =>
                Results.Challenge(new AuthenticationProperties { RedirectUri = InboxAuth.LocalPath(returnUrl) }, [InboxAuth.OidcScheme])).ExcludeFromDescription();
        }
        InboxAssets.Map(app);
        return app;
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, InboxSessions sessions, IAntiforgery antiforgery)
    {
        // A form post like any other: without the page's token it came from another site, and is refused.
        if (!await antiforgery.IsRequestValidAsync(http))
        {
            return Results.BadRequest();
        }
        if (InboxOptions.UsesOidc(http.RequestServices.GetRequiredService<IConfiguration>()))
        {
            // Ends the cookie session here and the authority's, which then returns the person to the inbox.
            return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [InboxAuth.CookieScheme, InboxAuth.OidcScheme]);
        }
        sessions.End(http);
        return Results.Redirect(InboxAuth.SignInPath + "?signed_out=1");
    }
}
