using Approvals.Server.Tests.Support;
using Approvals.Testing.PostgreSql;
using Approvals.Testing.Storage;

namespace Approvals.Server.Tests.Inbox;

/// <summary>The key ring on PostgreSQL, where the other instance can be another node of the cluster.</summary>
[RequiresPostgres]
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresKeyRingTests(PostgresServer server) : KeyRingTests<PostgresServer>(server)
{
    [StoreFact]
    public async Task AFormToken_IssuedByOneNode_IsAcceptedByAnother()
    {
        var form = await InboxSignIn.ReadFormAsync(FirstNodeWithoutCookies());
        // Another machine: nothing shared with the first node but the database.
        var folder = Directory.CreateTempSubdirectory("approvals-node-");
        try
        {
            var otherNode = Server.StartNode(new Dictionary<string, string?> { ["Approvals:DataFolder"] = folder.FullName });

            // Signed in (302 with the session cookie); a token the other node could not read would be refused with 400.
            var session = await InboxSignIn.PostAsync(otherNode, form, Person("bob", "Bob", "reviewer").Token);

            Assert.StartsWith(InboxSignIn.SessionCookie + "=", session.SetCookie, StringComparison.Ordinal);
        }
        finally
        {
            // The node runs on until the fixture ends, but on PostgreSQL it keeps nothing in its data folder.
            folder.Delete(recursive: true);
        }
    }
}
