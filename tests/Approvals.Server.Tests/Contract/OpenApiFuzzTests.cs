using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Approvals.Core.Storage;
using Approvals.Server.Tests.Support;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;
using CsCheck;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Approvals.Server.Tests.Contract;

/// <summary>
/// Property-based fuzzing driven by the OpenAPI document: requests generated (CsCheck) across every
/// operation, valid and invalid, each answered without a 5xx and as the document says (a documented status
/// and media type, a body its schema accepts, a problem any ProblemDetails reader reads). Sequential and
/// seeded, so a run is repeatable; APPROVALS_FUZZ_SEED and APPROVALS_FUZZ_REQUESTS change it (README, "Fuzzing").
/// </summary>
public abstract class OpenApiFuzzTests<TServer>(TServer server, ITestOutputHelper output) where TServer : ServerFixture
{
    private static readonly TimeSpan AnswerGuard = TimeSpan.FromSeconds(30);

    [StoreFact]
    public async Task GeneratedRequests_AcrossAllOperations_NeverFail_AndMatchTheDocument()
    {
        var seed = ulong.Parse(Environment.GetEnvironmentVariable("APPROVALS_FUZZ_SEED") ?? "20260801", CultureInfo.InvariantCulture);
        var count = int.Parse(Environment.GetEnvironmentVariable("APPROVALS_FUZZ_REQUESTS") ?? "10000", CultureInfo.InvariantCulture);
        var client = server.Client;
        var contract = await OpenApiContract.LoadAsync(client);
        var violations = new List<string>();
        var world = await SeedAsync(contract, violations);
        var values = new SchemaValues(contract, Hints);
        var requests = new FuzzRequests(contract, world, values).Any;

        var pcg = new PCG(1, seed);
        var perOperation = new Dictionary<string, Dictionary<int, int>>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var request = requests.Generate(pcg, null!, out _);
            var (status, problems) = await SendAndCheckAsync(contract, request, world);
            var tally = perOperation.TryGetValue(request.Operation.Name, out var t) ? t : perOperation[request.Operation.Name] = [];
            tally[status] = tally.GetValueOrDefault(status) + 1;
            violations.AddRange(problems.Select(p => $"#{i} {p}\n  request: {request}"));
        }
        clock.Stop();

        output.WriteLine($"{count} requests, seed {seed}, {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var (operation, statuses) in perOperation.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{operation}: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        }
        foreach (var violation in violations.Take(500))
        {
            output.WriteLine(violation);
        }
        Assert.True(violations.Count == 0,
            $"{violations.Count} responses contradict the document or failed (seed {seed}); the first ones:\n{string.Join("\n", violations.Take(25))}");
        var missed = contract.Operations.Select(o => o.Name).Where(name => !perOperation.ContainsKey(name)).ToList();
        Assert.True(missed.Count == 0, $"never sent: {string.Join(", ", missed)}");
        // Valid requests reach the handlers: most operations answer 2xx at least once.
        var succeeded = perOperation.Count(o => o.Value.Keys.Any(s => s is >= 200 and < 300));
        Assert.True(succeeded * 2 > contract.Operations.Count, $"only {succeeded} of {contract.Operations.Count} operations ever succeeded");
    }

    /// <summary>Values the schemas cannot describe well enough for a request to pass the handler's checks.</summary>
    private static readonly IReadOnlyDictionary<string, Gen<JsonNode?>> Hints = new Dictionary<string, Gen<JsonNode?>>(StringComparer.Ordinal)
    {
        // Never a host that resolves or an address off this machine: a webhook may be called.
        ["url"] = Choose.One<JsonNode?>("http://127.0.0.1:9/hook", "http://[::1]:9/hook", "not a url", "ftp://127.0.0.1/x", "http://10.0.0.1/x", ""),
        ["events"] = Choose.One<JsonNode?>(new JsonArray("approval.*"), new JsonArray("*"), new JsonArray("BAD PATTERN"), new JsonArray()),
        ["expires_in"] = Choose.One<JsonNode?>("PT1H", "P1D", "PT4H", "nonsense", null),
        ["delay_to_next_step"] = Choose.One<JsonNode?>("PT0S", "PT1S", "bad", null),
        ["timeout"] = Choose.One<JsonNode?>("PT1H", "bad", null),
        ["ids"] = Choose.One<JsonNode?>(new JsonArray("apr_unknown"), new JsonArray(), null),
        ["scopes"] = Choose.One<JsonNode?>(new JsonArray("approvals:read"), new JsonArray("admin", "events:read"), new JsonArray("nope")),
    };

    private async Task<(int Status, IReadOnlyList<string> Problems)> SendAndCheckAsync(OpenApiContract contract, FuzzRequest request, FuzzWorld world)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Operation.Method), new Uri(request.Url, UriKind.Relative));
        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType!);
        }
        using var guard = new CancellationTokenSource(AnswerGuard);
        // The event stream never ends: only its head is read.
        var stream = request.Operation.Template == "/v1/events";
        HttpResponseMessage response;
        string body;
        try
        {
            response = await server.Client.SendAsync(message, stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, guard.Token);
            body = stream && response.IsSuccessStatusCode ? "" : await response.Content.ReadAsStringAsync(guard.Token);
        }
        catch (OperationCanceledException) when (guard.IsCancellationRequested)
        {
            return (0, [$"no answer within {AnswerGuard.TotalSeconds} s"]);
        }
        catch (InvalidOperationException) when (request.Url.Split('?')[0].Contains("%00", StringComparison.Ordinal))
        {
            // The host refuses a NUL in the path before any application code (Kestrel answers 400 itself):
            // counted as status 0, nothing of ours to check.
            return (0, []);
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            var problems = new List<string>();
            if (status >= 500)
            {
                problems.Add($"{status} from {request.Operation.Name}: {OpenApiContract.Shorten(body)}");
            }
            problems.AddRange(contract.Check(request.Operation, status, response.Content.Headers.ContentType?.MediaType, body,
                bodyRead: !(stream && response.IsSuccessStatusCode)));
            if (status == (int)HttpStatusCode.Created && JsonNode.Parse(body)?["id"]?.GetValue<string>() is { } id)
            {
                world.AddId(FuzzWorld.PoolOf(request.Operation.Template, "id"), id);
            }
            return (status, problems);
        }
    }

    /// <summary>
    /// The tenant the fuzzer works in: people of every role, API keys, approvals in every state, a workflow,
    /// a webhook with a delivery, cursors. Every response on the way is checked against the document too.
    /// </summary>
    private async Task<FuzzWorld> SeedAsync(OpenApiContract contract, List<string> violations)
    {
        var tenant = $"fuzz_{Guid.NewGuid():N}";
        var world = new FuzzWorld();
        Caller Person(string id, params string[] roles) => new(id, $"Fuzz {id}", tenant, roles);
        var admin = Person("fz_admin", "admin");
        var requester = Person("fz_req", "requester");
        var reviewer = Person("fz_rev", "reviewer");
        var manager = Person("fz_mgr", "manager");
        var security = Person("fz_sec", "security_manager");
        var viewer = Person("fz_view", "viewer");
        var otherAdmin = new Caller("fz_other", "Other Admin", tenant + "_other", ["admin"]);

        async Task<JsonObject> CallAsync(string method, string template, string path, Caller user, JsonNode? body = null)
        {
            using var message = new HttpRequestMessage(new HttpMethod(method), path);
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", user.Token);
            if (body is not null)
            {
                message.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }
            using var response = await server.Client.SendAsync(message);
            var text = await response.Content.ReadAsStringAsync();
            violations.AddRange(contract.Check(contract.Operation(method, template), (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, text)
                .Select(v => $"seeding: {v}"));
            Assert.True(response.IsSuccessStatusCode, $"seeding {method} {path}: {(int)response.StatusCode} {text}");
            return text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject();
        }

        var fullKey = await CallAsync("POST", "/v1/api-keys", "/v1/api-keys", admin,
            new JsonObject { ["name"] = "fuzz all", ["scopes"] = new JsonArray("admin", "approvals:read", "approvals:create", "workflows:read", "workflows:write", "events:read") });
        var readKey = await CallAsync("POST", "/v1/api-keys", "/v1/api-keys", admin, new JsonObject { ["name"] = "fuzz read", ["scopes"] = new JsonArray("approvals:read") });
        var revoked = await CallAsync("POST", "/v1/api-keys", "/v1/api-keys", admin, new JsonObject { ["name"] = "fuzz revoked", ["scopes"] = new JsonArray("admin") });
        await CallAsync("DELETE", "/v1/api-keys/{id}", $"/v1/api-keys/{revoked["id"]}", admin);
        world.AddId("api-keys:id", revoked["id"]!.GetValue<string>());
        world.AddId("api-keys:id", readKey["id"]!.GetValue<string>());

        (string, (string, string)[]) Bearer(string label, string token) => (label, [("Authorization", $"Bearer {token}")]);
        foreach (var person in new[] { admin, admin, requester, requester, reviewer, reviewer, manager, security, viewer })
        {
            world.Credentials.Add(Bearer(string.Join("+", person.Roles), person.Token));
        }
        var keyText = fullKey["key"]!.GetValue<string>();
        world.Credentials.AddRange(
        [
            Bearer("admin of another tenant", otherAdmin.Token),
            Bearer("API key (all scopes)", keyText),
            ("API key (all scopes) in X-Api-Key", [("X-Api-Key", keyText)]),
            ("JWT and X-Api-Key together", [("Authorization", $"Bearer {admin.Token}"), ("X-Api-Key", keyText)]),
            Bearer("API key (approvals:read)", readKey["key"]!.GetValue<string>()),
            Bearer("revoked API key", revoked["key"]!.GetValue<string>()),
            Bearer("unknown API key", "ak_" + new string('z', 40)),
            ("malformed API key in X-Api-Key", [("X-Api-Key", "ak_")]),
            ("anonymous", []),
            Bearer("garbage token", "x.y.z"),
            ("Basic credentials", [("Authorization", "Basic YWxpY2U6c2VjcmV0")]),
            Bearer("expired token", TestTokens.Mint(admin, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256,
                notBefore: DateTime.UtcNow.AddHours(-3), expires: DateTime.UtcNow.AddHours(-2))),
            Bearer("token signed with another key", TestTokens.Mint(admin, Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha256, key: new byte[64])),
            Bearer("unsigned token", TestTokens.MintUnsigned(admin)),
            Bearer("token without sub", FuzzWorld.MintRaw(new Dictionary<string, object> { ["name"] = "No Sub", ["role"] = "admin", ["tenant"] = tenant })),
            Bearer("token with empty sub", FuzzWorld.MintRaw(new Dictionary<string, object> { ["sub"] = "", ["role"] = "admin", ["tenant"] = tenant })),
            Bearer("token with blank sub", FuzzWorld.MintRaw(new Dictionary<string, object> { ["sub"] = "  ", ["role"] = "admin", ["tenant"] = tenant })),
            Bearer("admin with approval_level 0", FuzzWorld.MintRaw(new Dictionary<string, object> { ["sub"] = "fz_lvl0", ["role"] = "admin", ["tenant"] = tenant, ["approval_level"] = 0 })),
            Bearer("admin with approval_level \"abc\"", FuzzWorld.MintRaw(new Dictionary<string, object> { ["sub"] = "fz_lvlabc", ["role"] = "admin", ["tenant"] = tenant, ["approval_level"] = "abc" })),
            Bearer("admin with approval_level 5", FuzzWorld.MintRaw(new Dictionary<string, object> { ["sub"] = "fz_lvl5", ["role"] = "admin", ["tenant"] = tenant, ["approval_level"] = 5 })),
            Bearer("person whose sub is an API key id", FuzzWorld.MintRaw(new Dictionary<string, object> { ["sub"] = fullKey["id"]!.GetValue<string>(), ["role"] = "requester", ["tenant"] = tenant })),
            Bearer("token with a NUL in its tenant", FuzzWorld.MintRaw(new Dictionary<string, object> { ["sub"] = "fz_nul", ["role"] = "admin", ["tenant"] = "t\u0000x" })),
            Bearer("token with a non-ASCII tenant", FuzzWorld.MintRaw(new Dictionary<string, object> { ["sub"] = "fz_cafe", ["role"] = "admin", ["tenant"] = "café\"x" })),
        ]);

        var approvals = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var created = await CallAsync("POST", "/v1/approvals", "/v1/approvals", requester,
                new JsonObject { ["title"] = $"Fuzz seed {i}", ["risk_score"] = 10, ["context"] = new JsonObject { ["n"] = i } });
            approvals.Add(created["id"]!.GetValue<string>());
            world.AddId("approvals:id", approvals[^1]);
        }
        await CallAsync("POST", "/v1/approvals/{id}/approve", $"/v1/approvals/{approvals[0]}/approve", reviewer, new JsonObject { ["note"] = "ok" });
        await CallAsync("POST", "/v1/approvals/{id}/reject", $"/v1/approvals/{approvals[1]}/reject", reviewer, new JsonObject { ["reason"] = "no" });
        await CallAsync("POST", "/v1/approvals/{id}/cancel", $"/v1/approvals/{approvals[2]}/cancel", requester, new JsonObject());
        var foreign = await CallAsync("POST", "/v1/approvals", "/v1/approvals", otherAdmin, new JsonObject { ["title"] = "Another tenant's" });
        world.AddId("approvals:id", foreign["id"]!.GetValue<string>());

        var workflow = await CallAsync("POST", "/v1/workflows", "/v1/workflows", admin, new JsonObject
        {
            ["name"] = "fuzz-flow",
            ["input"] = new JsonObject { ["disk"] = "sda1" },
            ["steps"] = new JsonArray(
                new JsonObject { ["id"] = "review", ["type"] = "approval", ["approval"] = new JsonObject { ["title"] = "Fuzz workflow step" }, ["on_success"] = "execute" },
                new JsonObject { ["id"] = "execute", ["type"] = "task" }),
        });
        world.AddId("workflows:id", workflow["id"]!.GetValue<string>());
        foreach (var step in new[] { "review", "execute", "missing" })
        {
            world.AddId("workflows:step", step);
        }

        var page = await CallAsync("GET", "/v1/approvals", "/v1/approvals?limit=1", requester);
        world.ApprovalCursors.Add(page["next_cursor"]!.GetValue<string>());
        var audit = await CallAsync("GET", "/v1/audit", "/v1/audit?limit=1", admin);
        world.AuditCursors.Add(audit["next_cursor"]!.GetValue<string>());

        // A webhook straight into storage (creation through the API refuses loopback targets); the sender
        // refuses loopback too, so its deliveries fail here and never leave the machine.
        var store = server.Services.GetRequiredService<IWebhookStore>();
        var webhook = new WebhookSubscription($"whk_fuzz{Guid.NewGuid():N}", tenant, "http://127.0.0.1:9/hook", ["*"], "whsec_" + Guid.NewGuid().ToString("N"),
            DateTimeOffset.UtcNow, null, null);
        await store.CreateSubscriptionAsync(webhook, CancellationToken.None);
        world.AddId("webhooks:id", webhook.Id);
        world.AddId("webhooks:deliveryId", "dlv_unknown");
        return world;
    }
}

/// <summary>The fuzzer against SQLite.</summary>
[Collection(SqliteServerCollection.Name)]
public sealed class SqliteOpenApiFuzzTests(SqliteServer server, ITestOutputHelper output) : OpenApiFuzzTests<SqliteServer>(server, output);

/// <summary>The fuzzer against PostgreSQL, where NUL characters in text are refused by the database itself.</summary>
[RequiresPostgres]
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresOpenApiFuzzTests(PostgresServer server, ITestOutputHelper output) : OpenApiFuzzTests<PostgresServer>(server, output);
