using System.Net;
using Approvals.Server.ApiKeys.Tests.Support;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Server.ApiKeys.Tests.ApiKeys;

/// <summary>API keys against PostgreSQL in a fresh schema (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
public sealed class PostgresApiKeysApiTests(PostgresKeyServer server) : ApiKeysApiTests<PostgresKeyServer>(server)
{
    [StoreFact]
    public async Task Revoke_ThroughOneNode_IsRefusedAtOnceByAnother()
    {
        var created = await CreateKeyAsync(Admin, "approvals:read");
        var key = new Key(Str(created, "key")!);
        var otherNode = new Api(Server.StartNode());
        Assert.Equal(HttpStatusCode.OK, (await otherNode.GetAsync("/v1/approvals", key)).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await Api.DeleteAsync($"/v1/api-keys/{Str(created, "id")}", Admin)).Status);

        AssertProblem(await otherNode.GetAsync("/v1/approvals", key), HttpStatusCode.Unauthorized, "unauthorized");
    }
}
