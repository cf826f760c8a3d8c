using Approvals.Server.Workflows.Tests.Support;

namespace Approvals.Server.Workflows.Tests.Workflows;

/// <summary>The workflow calls against SQLite in a temporary data folder.</summary>
public sealed class SqliteWorkflowsApiTests(SqliteWorkflowServer server) : WorkflowsApiTests<SqliteWorkflowServer>(server);
