using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Approvals;

/// <summary>The approval calls against SQLite in a temporary data folder.</summary>
[Collection(SqliteServerCollection.Name)]
public sealed class SqliteApprovalsApiTests(SqliteServer server) : ApprovalsApiTests<SqliteServer>(server);
