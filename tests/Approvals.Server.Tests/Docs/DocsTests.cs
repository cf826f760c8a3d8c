using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Approvals.Server.Tests.Support;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Docs;

/// <summary>
/// The API reference at /docs: a page anyone may read (like the document it renders) that loads nothing from
/// anywhere but this server: every script, the favicon and the OpenAPI document it points at are served here.
/// </summary>
public abstract partial class DocsTests<TServer>(TServer server) : ServerTests<TServer>(server) where TServer : ServerFixture
{
    [StoreFact]
    public async Task Docs_WithoutASlash_LeadsToThePage()
    {
        var reply = await Server.Client.GetAsync(new Uri("/docs", UriKind.Relative));

        Assert.True(reply.StatusCode is HttpStatusCode.Found or HttpStatusCode.MovedPermanently, reply.ToString());
        Assert.Equal("/docs/", new Uri(new Uri("http://localhost/docs"), reply.Headers.Location!).AbsolutePath);
    }

    [StoreFact]
    public async Task ThePage_NeedsNoCredentials_AndReferencesOnlyThisServer_WhichServesEveryAsset()
    {
        var page = await Api.GetAsync("/docs/", null);
        Assert.True(page.Status == HttpStatusCode.OK, page.ToString());
        Assert.Equal("text/html", page.MediaType);
        // No absolute or scheme-relative URL anywhere in the page: no CDN, no web font, no remote script.
        Assert.DoesNotContain("http:", page.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https:", page.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?//", page.Text);

        var assets = Attributes().Matches(page.Text).Select(m => m.Groups["url"].Value).ToList();
        Assert.Contains("scalar.js", assets);
        var configuration = Configuration(page.Text);
        assets.Add(configuration["favicon"]!.GetValue<string>());
        foreach (var asset in assets)
        {
            var path = new Uri(new Uri("http://localhost/docs/"), asset).AbsolutePath;
            var reply = await Server.Client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.True(reply.StatusCode == HttpStatusCode.OK, $"{asset} ({path}): {(int)reply.StatusCode}");
            Assert.NotEmpty(await reply.Content.ReadAsByteArrayAsync());
        }

        // Scalar's helper resolves a relative source against the site's root (the page's path minus /docs/).
        var source = Assert.Single(configuration["sources"]!.AsArray())!["url"]!.GetValue<string>();
        var document = await Api.GetAsync(new Uri(new Uri("http://localhost/"), source).AbsolutePath, null);
        Assert.True(document.Status == HttpStatusCode.OK, $"{source}: {document}");
        Assert.StartsWith("3.", document.Json["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.True(document.Json["paths"]!.AsObject().ContainsKey("/v1/approvals"), "the document the page renders is the API's");
    }

    [StoreFact]
    public async Task ThePage_TurnsOffWhatWouldCallOut()
    {
        var configuration = Configuration((await Api.GetAsync("/docs/", null)).Text);

        // Each of these makes the browser call Scalar's servers: web fonts, usage telemetry, the hosted AI agent, MCP,
        // the developer toolbar's share and deploy buttons.
        Assert.False(configuration["withDefaultFonts"]!.GetValue<bool>());
        Assert.False(configuration["telemetry"]!.GetValue<bool>());
        Assert.True(configuration["agent"]!["disabled"]!.GetValue<bool>());
        Assert.True(configuration["mcp"]!["disabled"]!.GetValue<bool>());
        Assert.Equal("never", configuration["showDeveloperTools"]!.GetValue<string>());
        // No proxy: a request tried from the page goes straight to this server (the bundle falls back to Scalar's
        // hosted proxy only in its "web" layout, not in this API reference).
        Assert.Null(configuration["proxyUrl"]);
    }

    [StoreFact]
    public async Task NeitherPageNorMetrics_AreOperationsOfTheOpenApiDocument()
    {
        var paths = (await Api.GetAsync("/openapi/v1.json", null)).Json["paths"]!.AsObject();

        Assert.DoesNotContain(paths, p => p.Key.StartsWith("/docs", StringComparison.Ordinal) || p.Key.StartsWith("/metrics", StringComparison.Ordinal));
    }

    /// <summary>The configuration object the page hands to Scalar's initialize(…) call.</summary>
    private static JsonObject Configuration(string page)
    {
        var match = InitializeCall().Match(page);
        Assert.True(match.Success, page);
        return JsonNode.Parse(match.Groups["json"].Value)!.AsObject();
    }

    [GeneratedRegex(@"\b(?:src|href)\s*=\s*""(?<url>[^""]*)""")]
    private static partial Regex Attributes();

    [GeneratedRegex(@"initialize\(\s*'[^']*',\s*(?:true|false),\s*(?<json>\{.*\}),\s*'[^']*'\)", RegexOptions.Singleline)]
    private static partial Regex InitializeCall();
}

[Collection(SqliteServerCollection.Name)]
public sealed class SqliteDocsTests(SqliteServer server) : DocsTests<SqliteServer>(server);

[RequiresPostgres]
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresDocsTests(PostgresServer server) : DocsTests<PostgresServer>(server);
