using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Workflows;

/// <summary>The workflow calls against SQLite in a temporary data folder.</summary>
[Collection(SqliteServerCollection.Name)]
public sealed class SqliteWorkflowsApiTests(SqliteServer server) : WorkflowsApiTests<SqliteServer>(server);
