using Approvals.Server.Tests.Support;

namespace Approvals.Client.Tests.Support;

/// <summary>The client tests that share the one in-memory server on SQLite.</summary>
[CollectionDefinition(Name)]
public sealed class SqliteServerCollection : ICollectionFixture<SqliteServer>
{
    public const string Name = "Client on SQLite";
}

/// <summary>The client tests that share the one in-memory server on PostgreSQL (skipped without one unless CI=true).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresServerCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "Client on PostgreSQL";
}
