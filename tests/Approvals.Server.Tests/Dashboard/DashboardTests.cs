using System.Net;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Support;
using Approvals.Testing.Http;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Dashboard;

/// <summary>The Orleans dashboard at /dashboard: operators (admin role or admin scope) only, on every endpoint.</summary>
public abstract class DashboardTests<TServer>(TServer server) : ServerTests<TServer>(server) where TServer : ServerFixture
{
    // The page, its data endpoints, and the live log stream.
    private static readonly string[] Endpoints = ["/dashboard", "/dashboard/index.html", "/dashboard/DashboardCounters", "/dashboard/ClusterStats",
        "/dashboard/Reminders", "/dashboard/GrainTypes", "/dashboard/GrainState", "/dashboard/Trace"];

    [StoreFact]
    public async Task WithoutCredentials_Is401Problem()
    {
        foreach (var path in Endpoints)
        {
            var reply = await Api.GetAsync(path, null);
            Assert.True(reply.Status == HttpStatusCode.Unauthorized, $"{path}: {reply}");
            Assert.Equal("application/problem+json", reply.MediaType);
        }
    }

    [StoreFact]
    public async Task ForAnyoneButAnOperator_Is403Problem()
    {
        var key = await NewKeyAsync("approvals:read", "approvals:create", "workflows:read", "workflows:write", "events:read");
        foreach (var path in Endpoints)
        {
            foreach (var role in new[] { "viewer", "requester", "reviewer", "manager", "security_manager" })
            {
                var reply = await Api.GetAsync(path, Person("pat", "Pat", role));
                Assert.True(reply.Status == HttpStatusCode.Forbidden, $"{path} as {role}: {reply}");
                Assert.Equal("application/problem+json", reply.MediaType);
            }
            var byKey = await Api.GetAsync(path, key);
            Assert.True(byKey.Status == HttpStatusCode.Forbidden, $"{path} with a non-admin key: {byKey}");
        }
    }

    [StoreFact]
    public async Task AnAdmin_OrAnAdminKey_SeesTheDashboardAndItsData()
    {
        var admin = Person("ada", "Ada Admin", "admin");
        var page = await Api.GetAsync("/dashboard/index.html", admin);
        Assert.True(page.Status == HttpStatusCode.OK, page.ToString());
        Assert.Equal("text/html", page.MediaType);

        var key = await NewKeyAsync("admin");
        var counters = await Api.GetAsync("/dashboard/DashboardCounters", key);
        Assert.True(counters.Status == HttpStatusCode.OK, counters.ToString());
        // A live cluster: at least this node's silo is counted.
        Assert.True(counters.Json["totalActiveHostCount"]!.GetValue<int>() >= 1, counters.Text);
    }

    private async Task<ApiKey> NewKeyAsync(params string[] scopes)
    {
        var body = new JsonObject { ["name"] = "dashboard test", ["scopes"] = new JsonArray([.. scopes.Select(s => JsonValue.Create(s))]) };
        var reply = await Api.PostAsync("/v1/api-keys", Person("ada", "Ada Admin", "admin"), body);
        Assert.True(reply.Status == HttpStatusCode.Created, reply.ToString());
        return new ApiKey(reply.Json["key"]!.GetValue<string>());
    }
}

[Collection(SqliteServerCollection.Name)]
public sealed class SqliteDashboardTests(SqliteServer server) : DashboardTests<SqliteServer>(server);

[RequiresPostgres]
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresDashboardTests(PostgresServer server) : DashboardTests<PostgresServer>(server);
