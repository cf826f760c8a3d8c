namespace Approvals.Server.Tests.Support;

/// <summary>
/// The test classes that share the one SQLite server. xunit runs the tests of a collection one after
/// another and the collections side by side, so the two backends' servers work in parallel.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SqliteServerCollection : ICollectionFixture<SqliteServer>
{
    public const string Name = "SQLite server";
}

/// <summary>The test classes that share the one PostgreSQL server (skipped without a server unless CI=true).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresServerCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL server";
}
