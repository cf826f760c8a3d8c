using Approvals.Server.Tests.Support;
using Approvals.Testing.PostgreSql;

namespace Approvals.Server.Tests.Approvals;

/// <summary>The approval calls against PostgreSQL in a fresh schema (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresApprovalsApiTests(PostgresServer server) : ApprovalsApiTests<PostgresServer>(server);
