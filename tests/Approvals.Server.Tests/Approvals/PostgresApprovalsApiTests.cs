using Approvals.Server.Tests.Support;
using Approvals.Testing.PostgreSql;

namespace Approvals.Server.Tests.Approvals;

/// <summary>The approval calls against PostgreSQL in a fresh schema (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
public sealed class PostgresApprovalsApiTests(PostgresApiFixture fixture) : ApprovalsApiTests<PostgresApiFixture>(fixture);
