using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Inbox;

/// <summary>The key ring on SQLite: another instance over the same file is this node restarted.</summary>
[Collection(SqliteServerCollection.Name)]
public sealed class SqliteKeyRingTests(SqliteServer server) : KeyRingTests<SqliteServer>(server);
