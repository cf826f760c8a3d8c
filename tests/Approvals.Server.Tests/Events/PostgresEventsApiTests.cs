using System.Diagnostics;
using Approvals.Server.Tests.Support;
using Approvals.Testing.PostgreSql;

namespace Approvals.Server.Tests.Events;

/// <summary>The event stream and audit calls against PostgreSQL in a fresh schema (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresEventsApiTests(PostgresServer server) : EventsApiTests<PostgresServer>(server)
{
    [PostgresFact]
    public async Task Stream_OnOneNode_SeesEventsWrittenThroughAnother_Promptly()
    {
        // A second node on the same schema whose streams never wake on their own (no ping, no fallback
        // re-read within the test): only the change feed (LISTEN/NOTIFY) can tell it the log moved.
        var listening = Server.StartNode(new Dictionary<string, string?>
        {
            ["Approvals:Events:PingInterval"] = "01:00:00",
            ["Approvals:Events:FallbackInterval"] = "01:00:00",
        });
        await using var stream = await SseClient.ConnectAsync(listening, Viewer);
        // The listening node's change feed may still be connecting: keep writing until one arrives.
        var elapsed = Stopwatch.StartNew();
        var written = new List<string>();
        List<SseEvent>? seen = null;
        while (seen is null)
        {
            Assert.True(elapsed.Elapsed < Deadline, "no event written through the other node arrived");
            written.Add(await CreateApprovalAsync(Requester));
            try
            {
                seen = await stream.ReadEventsUntilAsync(e => e.Count >= 1, TimeSpan.FromSeconds(2), "an event from the other node");
            }
            catch (Xunit.Sdk.XunitException) when (elapsed.Elapsed < Deadline)
            {
                // Not yet listening; the next write tries again.
            }
        }

        Assert.Equal(written[0], seen[0].Data["subject_id"]!.GetValue<string>());
    }
}
