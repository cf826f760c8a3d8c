using System.Net;
using Approvals.Server.Tests.Support;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.ApiKeys;

/// <summary>API keys against PostgreSQL in a fresh schema (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresApiKeysApiTests(PostgresServer server) : ApiKeysApiTests<PostgresServer>(server)
{
    [StoreFact]
    public async Task Revoke_ThroughOneNode_IsRefusedAtOnceByAnother()
    {
        var created = await CreateKeyAsync(Admin, "approvals:read");
        var key = new ApiKey(Str(created, "key")!);
        var otherNode = new ApiClient(Server.StartNode());
        Assert.Equal(HttpStatusCode.OK, (await otherNode.GetAsync("/v1/approvals", key)).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await Api.DeleteAsync($"/v1/api-keys/{Str(created, "id")}", Admin)).Status);

        AssertProblem(await otherNode.GetAsync("/v1/approvals", key), HttpStatusCode.Unauthorized, "unauthorized");
    }
}
