using Approvals.Server.Events.Tests.Support;

namespace Approvals.Server.Events.Tests.Events;

/// <summary>The event stream and audit calls against SQLite in a temporary data folder.</summary>
public sealed class SqliteEventsApiTests(SqliteEventsServer server) : EventsApiTests<SqliteEventsServer>(server);
