using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Events;

/// <summary>The event stream and audit calls against SQLite in a temporary data folder.</summary>
[Collection(SqliteServerCollection.Name)]
public sealed class SqliteEventsApiTests(SqliteServer server) : EventsApiTests<SqliteServer>(server);
