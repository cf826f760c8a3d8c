using System.Security.Claims;
using Approvals.Core.Storage;
using Approvals.Server.Configuration;
using Approvals.Server.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Auth;

/// <summary>JWT bearer authentication (HS256 with the configured key, or an OIDC authority) and API keys.</summary>
public static class AuthSetup
{
    public static IServiceCollection AddApprovalsAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section))
            .Validate(o => o.ClockSkew >= TimeSpan.Zero && o.ClockSkew <= TimeSpan.FromSeconds(30), "Approvals:Auth:ClockSkew must be between 0 and 30 seconds.")
            .Validate(o => !string.IsNullOrWhiteSpace(o.Issuer) && !string.IsNullOrWhiteSpace(o.Audience), "Approvals:Auth:Issuer and Audience must not be empty.")
            .ValidateOnStart();
        services.AddSingleton<TokenKey>();
        // A request presenting an API key is authenticated (and refused) by the key scheme alone; any
        // other by JWT bearer, whose failures stay those of a bad token.
        services.AddAuthentication(ApiKeyDefaults.SelectorScheme)
            .AddPolicyScheme(ApiKeyDefaults.SelectorScheme, "API key or JWT", o => o.ForwardDefaultSelector = http =>
                ApiKeyDefaults.Presented(http.Request) is null ? JwtBearerDefaults.AuthenticationScheme : ApiKeyDefaults.Scheme)
            .AddJwtBearer()
            .AddScheme<ApiKeyAuthenticationOptions, ApiKeyAuthenticationHandler>(ApiKeyDefaults.Scheme, null);
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>, TokenKey>((jwt, auth, key) =>
        {
            ValidateTokensAsTheApiDoes(jwt, auth.Value, key);
            jwt.Events.OnChallenge = async context =>
            {
                context.HandleResponse();
                await Problems.Write(context.HttpContext, Problems.Unauthorized(context.AuthenticateFailure switch
                {
                    null => "A bearer token is required.",
                    // Our own reasons name only a claim; the library's may say more than a client should read.
                    TokenClaimsRefusedException refused => refused.Message,
                    _ => "The bearer token is invalid or expired.",
                }));
            };
            jwt.Events.OnForbidden = context => Problems.Write(context.HttpContext, Problems.Forbidden("You may not do this."));
        });
        services.AddAuthorization();
        return services;
    }

    /// <summary>
    /// How the API validates a bearer token: issuer, audience, lifetime and signature (HS256 with the
    /// configured key only, or the OIDC authority's keys), the token's own claim names, and a token whose
    /// claims name no caller (<see cref="PrincipalMapping.TryMap"/>) refused. Every scheme that accepts
    /// these tokens (the API's, and the reviewer inbox's, which reads them from its cookie) is set up by
    /// this one method, so none validates them differently.
    /// </summary>
    public static void ValidateTokensAsTheApiDoes(JwtBearerOptions jwt, AuthOptions a, TokenKey key)
    {
        // Keep the token's own claim names (sub, role, tenant, …) instead of the WS-* URIs.
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = a.Issuer,
            ValidAudience = a.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = a.ClockSkew,
            NameClaimType = "name",
            RoleClaimType = "role",
        };
        if (!string.IsNullOrWhiteSpace(a.Authority))
        {
            jwt.Authority = a.Authority;
            jwt.Audience = a.Audience;
        }
        else
        {
            jwt.TokenValidationParameters.IssuerSigningKey = key.SecurityKey;
            // Only HS256: "alg: none" and every other algorithm are refused.
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        jwt.Events = new JwtBearerEvents
        {
            // A signed token can still name no caller (no sub, an unreadable approval_level): refuse it
            // here, once, so every endpoint answers 401 and none meets a caller it cannot map.
            OnTokenValidated = context =>
            {
                if (!PrincipalMapping.TryMap(context.Principal!, out _, out var refusal))
                {
                    context.Fail(new TokenClaimsRefusedException(refusal!));
                }
                return Task.CompletedTask;
            },
        };
    }
}

/// <summary>A validly signed token whose claims name no caller; the message says which claim is wrong.</summary>
public sealed class TokenClaimsRefusedException(string message) : Exception(message);

/// <summary>The resolved signing key, shared by token validation and the token command.</summary>
public sealed class TokenKey
{
    public TokenKey(IOptions<AuthOptions> auth, IOptions<StorageOptions> storage, IOptions<ServerOptions> server, ILogger<TokenKey> logger)
    {
        if (!string.IsNullOrWhiteSpace(auth.Value.Authority) && string.IsNullOrWhiteSpace(auth.Value.SigningKey))
        {
            SecurityKey = null;
            return;
        }
        var (key, generated, path) = Tokens.SigningKeys.Resolve(auth.Value.SigningKey, storage.Value.IsSqlite, server.Value.DataFolder);
        SecurityKey = new SymmetricSecurityKey(key);
        KeptInDataFolder = path is not null;
        if (generated)
        {
            logger.LogWarning("No Approvals:Auth:SigningKey configured: generated one and kept it in {Path}.", path);
        }
    }

    /// <summary>The HS256 key, or null when an OIDC authority validates tokens.</summary>
    public SymmetricSecurityKey? SecurityKey { get; }

    /// <summary>True when the key is the generated one in the data folder (the zero-configuration start).</summary>
    public bool KeptInDataFolder { get; }
}
