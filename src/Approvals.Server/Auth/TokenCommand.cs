using System.Globalization;
using System.Security.Claims;
using System.Xml;
using Approvals.Core.Approvals;
using Approvals.Server.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Auth;

/// <summary>
/// <c>approvals token --sub alice --role reviewer [--role manager] [--name "Alice"] [--tenant acme]
/// [--level 2] [--expires PT8H]</c>: prints a token signed with the configured (or generated) key.
/// </summary>
public static class TokenCommand
{
    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "token";

    public static int Run(string[] args, IConfiguration configuration)
    {
        string? sub = null, name = null, tenant = null, level = null, expires = "PT8H";
        var roles = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--sub": sub = Next(); break;
                case "--name": name = Next(); break;
                case "--role": roles.Add(Next()); break;
                case "--tenant": tenant = Next(); break;
                case "--level": level = Next(); break;
                case "--expires": expires = Next(); break;
                default:
                    // Configuration switches (--Approvals:Auth:SigningKey=…) are the host's; anything else is a mistake.
                    if (!args[i].Contains(':', StringComparison.Ordinal))
                    {
                        Console.Error.WriteLine($"Unknown option {args[i]}.");
                        return Usage();
                    }
                    break;
            }
        }
        if (string.IsNullOrWhiteSpace(sub) || roles.Count == 0)
        {
            return Usage();
        }
        // The server refuses a token whose approval_level is not 1–4; better to say so than to print one.
        if (level is not null && !PrincipalMapping.TryParseApprovalLevel(level, out _))
        {
            Console.Error.WriteLine($"--level must be a whole number from 1 to {RiskPolicy.MaxLevel}.");
            return Usage();
        }
        var auth = configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var server = configuration.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
        var (key, generated, path) = SigningKeys.Resolve(auth, storage, server);
        if (generated)
        {
            Console.Error.WriteLine($"Generated a signing key in {path}; the server will use it too.");
        }

        var claims = new List<Claim> { new("sub", sub) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        if (name is not null) { claims.Add(new Claim("name", name)); }
        if (tenant is not null) { claims.Add(new Claim("tenant", tenant)); }
        if (level is not null) { claims.Add(new Claim("approval_level", level, ClaimValueTypes.Integer)); }
        var now = DateTime.UtcNow;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = auth.Issuer,
            Audience = auth.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + XmlConvert.ToTimeSpan(expires),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
        Console.WriteLine(token);
        return 0;
    }

    private static int Usage()
    {
        Console.Error.WriteLine("usage: approvals token --sub <user id> --role <role> [--role <role>…] [--name <name>] [--tenant <tenant>] [--level 1-4] [--expires PT8H]");
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"roles: viewer, requester, reviewer, manager, security_manager, admin"));
        return 2;
    }
}
