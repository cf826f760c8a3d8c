using System.CommandLine;
using Approvals.Cli.Output;
using Approvals.Client;
using Approvals.Client.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;

namespace Approvals.Cli.Commands;

/// <summary>The options every command takes (where the server is, who calls, how to print) and what they make.</summary>
internal static class CliContext
{
    public const string UrlVariable = "APPROVALS_URL";
    public const string TokenVariable = "APPROVALS_TOKEN";
    public const string ApiKeyVariable = "APPROVALS_API_KEY";
    public const string DefaultUrl = "http://localhost:5080";

    public static readonly Option<string> Url = new("--url")
    {
        Description = $"The server (default ${UrlVariable}, else {DefaultUrl}).",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } url ? url : DefaultUrl,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = $"A bearer token (default ${TokenVariable}); `approvals token` mints one for development.",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token ? token : null,
    };

    public static readonly Option<string?> ApiKey = new("--api-key")
    {
        Description = $"An API key ak_… instead of a token (default ${ApiKeyVariable}).",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ApiKeyVariable) is { Length: > 0 } key ? key : null,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the API's JSON (for scripts) instead of tables.",
        Recursive = true,
    };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Url);
        root.Options.Add(Token);
        root.Options.Add(ApiKey);
        root.Options.Add(Json);
    }

    public static Printer Printer(ParseResult parse) => new(parse.GetValue(Json), Console.Out);

    /// <summary>
    /// The client for this invocation: the library's own, with its retries, authenticated by <c>--token</c>
    /// (which wins over an API key given only through the environment) or <c>--api-key</c>.
    /// </summary>
    public static ServiceProvider Services(ParseResult parse)
    {
        var url = parse.GetValue(Url)!;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--url must be an http or https address, such as {DefaultUrl}; got '{url}'.");
        }
        var token = parse.GetValue(Token);
        var apiKey = token is null ? parse.GetValue(ApiKey) : null;
        var services = new ServiceCollection();
        services.AddApprovalsClient(o =>
        {
            o.BaseAddress = baseAddress;
            o.BearerToken = token;
            o.ApiKey = apiKey;
        });
        return services.BuildServiceProvider();
    }

    /// <summary>Runs <paramref name="work"/> with a client, and returns its exit code.</summary>
    public static async Task<int> WithClientAsync(ParseResult parse, Func<IApprovalsClient, Printer, Task<int>> work)
    {
        await using var services = Services(parse);
        return await work(services.GetRequiredService<IApprovalsClient>(), Printer(parse));
    }
}

/// <summary>A mistake in how the command was called; printed without a stack trace.</summary>
internal sealed class UsageException(string message) : Exception(message);
