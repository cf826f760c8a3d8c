using System.CommandLine;
using Approvals.Core.Approvals;
using Approvals.Tokens;
using Microsoft.Extensions.Configuration;

namespace Approvals.Cli.Commands;

/// <summary>
/// token: mints a development token exactly as the server's <c>token</c> command does (the same code, from the
/// same settings: <c>Approvals__Auth__SigningKey</c> and the other <c>Approvals__…</c> variables, or else the
/// key the server generated in <c>./data/signing-key</c>).
/// </summary>
internal static class TokenCommand
{
    public static Command Create()
    {
        var sub = new Option<string>("--sub") { Description = "The user id (sub claim).", Required = true };
        var roles = new Option<string[]>("--role")
        {
            Description = "A role: viewer, requester, reviewer, manager, security_manager, admin (repeat for several).",
            Required = true,
        };
        roles.AcceptOnlyFromAmong("viewer", "requester", "reviewer", "manager", "security_manager", "admin");
        var name = new Option<string?>("--name") { Description = "The display name (name claim)." };
        var tenant = new Option<string?>("--tenant") { Description = "The tenant (absent: default)." };
        var level = new Option<int?>("--level") { Description = $"The approval level, 1 to {RiskPolicy.MaxLevel}." };
        level.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } l && l is < 1 or > RiskPolicy.MaxLevel)
            {
                r.AddError($"--level must be a whole number from 1 to {RiskPolicy.MaxLevel}.");
            }
        });
        var expires = new Option<TimeSpan>("--expires")
        {
            Description = "How long it is valid (ISO 8601; default PT8H).",
            CustomParser = r => TokenRequest.TryParseLifetime(r.Tokens.Count > 0 ? r.Tokens[0].Value : "", out var lifetime)
                ? lifetime
                : Fail(r, "--expires must be an ISO 8601 duration, such as PT8H."),
            DefaultValueFactory = _ => TokenRequest.DefaultLifetime,
        };
        var signingKey = new Option<string?>("--signing-key") { Description = "The server's Approvals:Auth:SigningKey (default $Approvals__Auth__SigningKey)." };
        var dataFolder = new Option<string?>("--data-folder") { Description = "The server's data folder, holding a generated key (default $Approvals__DataFolder, else ./data)." };
        var command = new Command("token", "Mint a development token signed with the server's key.") { sub, roles, name, tenant, level, expires, signingKey, dataFolder };
        command.SetAction(parse =>
        {
            // The server's own sources: environment variables (Approvals__Auth__SigningKey, …), then these switches.
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(signingKey) is { } key) { overrides["Approvals:Auth:SigningKey"] = key; }
            if (parse.GetValue(dataFolder) is { } folder) { overrides["Approvals:DataFolder"] = folder; }
            var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddInMemoryCollection(overrides).Build();
            var request = new TokenRequest(parse.GetRequiredValue(sub), parse.GetRequiredValue(roles))
            {
                Name = parse.GetValue(name), Tenant = parse.GetValue(tenant), ApprovalLevel = parse.GetValue(level), Lifetime = parse.GetValue(expires),
            };
            if (request.Problem() is { } problem)
            {
                throw new UsageException(problem);
            }
            var minted = DevelopmentTokens.Mint(request, SigningSettings.FromConfiguration(configuration));
            if (minted.GeneratedKeyPath is { } path)
            {
                Console.Error.WriteLine($"Generated a signing key in {path}; the server will use it too.");
            }
            Console.WriteLine(minted.Token);
            return 0;
        });
        return command;
    }

    private static TimeSpan Fail(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default;
    }
}
