using Approvals.Server.Tests.Support;
using Approvals.Testing.PostgreSql;

namespace Approvals.Server.Tests.Workflows;

/// <summary>The workflow calls against PostgreSQL in a fresh schema (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresWorkflowsApiTests(PostgresServer server) : WorkflowsApiTests<PostgresServer>(server);
