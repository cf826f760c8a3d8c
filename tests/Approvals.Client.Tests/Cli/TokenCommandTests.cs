using System.Text;
using Approvals.Client.Tests.Support;
using Approvals.EndToEnd.Tests.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Client.Tests.Cli;

/// <summary><c>approvals token</c> against the server's own <c>token</c> command: the same token, from the same settings.</summary>
[Collection(CliServerCollection.Name)]
public sealed class TokenCommandTests(CliServer server)
{
    private static readonly string[] Who = ["--sub", "alice", "--role", "reviewer", "--role", "manager", "--name", "Alice", "--tenant", "acme", "--level", "3", "--expires", "PT1H"];

    [Fact]
    public async Task Token_WithTheServersKey_IsTheServersTokenCommandsToken_AndTheServerTakesIt()
    {
        using var folder = new TempFolder("approvals-cli-token-");

        var cli = await CliProcess.RunAsync(["token", .. Who, "--signing-key", TestTokens.KeySetting]);
        var viaEnvironment = await CliProcess.RunAsync(["token", .. Who], new Dictionary<string, string> { ["Approvals__Auth__SigningKey"] = TestTokens.KeySetting });
        var serverCommand = await ServerBinary.RunAsync(["token", .. Who, $"--Approvals:Auth:SigningKey={TestTokens.KeySetting}"], folder.Path, TimeSpan.FromSeconds(60));
        var listed = await CliProcess.RunAsync(["list", "--url", server.Url, "--token", cli.StandardOutput.Trim()]);

        Assert.Equal((0, 0, 0), (cli.ExitCode, viaEnvironment.ExitCode, serverCommand.ExitCode));
        var ours = await ValidateAsync(cli.StandardOutput, TestTokens.KeyBytes);
        Assert.Equal(Claims(ours), Claims(await ValidateAsync(viaEnvironment.StandardOutput, TestTokens.KeyBytes)));
        var theirs = await ValidateAsync(serverCommand.StandardOutput, TestTokens.KeyBytes);
        Assert.Equal(Claims(theirs), Claims(ours));
        Assert.Equal(theirs.ValidTo - theirs.IssuedAt, ours.ValidTo - ours.IssuedAt);
        Assert.Equal(0, listed.ExitCode);
    }

    [Fact]
    public async Task Token_WithoutAKey_GeneratesTheOneTheServerThenUses()
    {
        using var folder = new TempFolder("approvals-cli-token-");
        var data = Path.Combine(folder.Path, "data");

        var cli = await CliProcess.RunAsync(["token", "--sub", "bob", "--role", "reviewer"], workingDirectory: folder.Path);
        var serverCommand = await ServerBinary.RunAsync(["token", "--sub", "bob", "--role", "reviewer"], folder.Path, TimeSpan.FromSeconds(60));

        Assert.Equal((0, 0), (cli.ExitCode, serverCommand.ExitCode));
        Assert.Contains("Generated a signing key", cli.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Generated", serverCommand.StandardError, StringComparison.Ordinal);
        var key = Convert.FromBase64String(File.ReadAllText(Path.Combine(data, "signing-key")).Trim());
        Assert.Equal(Claims(await ValidateAsync(serverCommand.StandardOutput, key)), Claims(await ValidateAsync(cli.StandardOutput, key)));
    }

    [Fact]
    public async Task Token_WithALevelTheServerWouldRefuse_IsNotMinted()
    {
        var result = await CliProcess.RunAsync(["token", "--sub", "bob", "--role", "reviewer", "--level", "5", "--signing-key", TestTokens.KeySetting]);

        Assert.Equal(64, result.ExitCode);
        Assert.Equal("", result.StandardOutput);
        Assert.Contains("--level must be a whole number from 1 to 4", result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The token, checked as the server checks it (HS256 with <paramref name="key"/>, issuer and audience approvals).</summary>
    private static async Task<JsonWebToken> ValidateAsync(string token, byte[] key)
    {
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token.Trim(), new TokenValidationParameters
        {
            ValidIssuer = "approvals",
            ValidAudience = "approvals",
            IssuerSigningKey = new SymmetricSecurityKey(key),
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        });
        Assert.True(result.IsValid, result.Exception?.Message);
        return (JsonWebToken)result.SecurityToken;
    }

    /// <summary>Every claim but the times, which differ between two mintings.</summary>
    private static string Claims(JsonWebToken token) =>
        string.Join(Environment.NewLine, token.Claims.Where(c => c.Type is not ("iat" or "nbf" or "exp"))
            .Select(c => $"{c.Type}={c.Value} ({c.ValueType})").Order(StringComparer.Ordinal));
}
