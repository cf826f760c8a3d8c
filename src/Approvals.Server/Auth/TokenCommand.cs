using System.Globalization;
using Approvals.Core.Approvals;
using Approvals.Tokens;

namespace Approvals.Server.Auth;

/// <summary>
/// <c>approvals token --sub alice --role reviewer [--role manager] [--name "Alice"] [--tenant acme]
/// [--level 2] [--expires PT8H]</c>: prints a token signed with the configured (or generated) key.
/// </summary>
public static class TokenCommand
{
    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "token";

    public static int Run(string[] args, IConfiguration configuration) => Run(args, configuration, Console.Out, Console.Error);

    /// <summary>The command, printing the token to <paramref name="output"/> and anything else to <paramref name="error"/>.</summary>
    public static int Run(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
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
                        error.WriteLine($"Unknown option {args[i]}.");
                        return Usage(error);
                    }
                    break;
            }
        }
        if (string.IsNullOrWhiteSpace(sub) || roles.Count == 0)
        {
            return Usage(error);
        }
        // The server refuses a token whose approval_level is not 1–4; better to say so than to print one.
        var approvalLevel = 0;
        if (level is not null && !TokenRequest.TryParseApprovalLevel(level, out approvalLevel))
        {
            error.WriteLine($"--level must be a whole number from 1 to {RiskPolicy.MaxLevel}.");
            return Usage(error);
        }
        if (!TokenRequest.TryParseLifetime(expires, out var lifetime))
        {
            error.WriteLine("--expires must be an ISO 8601 duration, such as PT8H.");
            return Usage(error);
        }
        var request = new TokenRequest(sub, roles)
        {
            Name = name, Tenant = tenant, ApprovalLevel = level is null ? null : approvalLevel, Lifetime = lifetime,
        };
        if (request.Problem() is { } problem)
        {
            error.WriteLine(problem);
            return Usage(error);
        }
        // The same minting as the command line's `approvals token`, from the same settings.
        var minted = DevelopmentTokens.Mint(request, SigningSettings.FromConfiguration(configuration));
        if (minted.GeneratedKeyPath is { } path)
        {
            error.WriteLine($"Generated a signing key in {path}; the server will use it too.");
        }
        output.WriteLine(minted.Token);
        return 0;
    }

    private static int Usage(TextWriter error)
    {
        error.WriteLine("usage: approvals token --sub <user id> --role <role> [--role <role>…] [--name <name>] [--tenant <tenant>] [--level 1-4] [--expires PT8H]");
        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"roles: viewer, requester, reviewer, manager, security_manager, admin"));
        return 2;
    }
}
