using Approvals.Server.Workflows.Tests.Support;
using Approvals.Testing.PostgreSql;

namespace Approvals.Server.Workflows.Tests.Workflows;

/// <summary>The workflow calls against PostgreSQL in a fresh schema (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
public sealed class PostgresWorkflowsApiTests(PostgresWorkflowServer server) : WorkflowsApiTests<PostgresWorkflowServer>(server);
