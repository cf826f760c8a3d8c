using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Approvals;

/// <summary>The approval calls against SQLite in a temporary data folder.</summary>
public sealed class SqliteApprovalsApiTests(SqliteApiFixture fixture) : ApprovalsApiTests<SqliteApiFixture>(fixture);
