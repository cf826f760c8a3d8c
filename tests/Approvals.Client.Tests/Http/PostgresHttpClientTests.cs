using Approvals.Client.Tests.Support;
using Approvals.Server.Tests.Support;
using Approvals.Testing.PostgreSql;

namespace Approvals.Client.Tests.Http;

/// <summary>The HTTP client against the server on PostgreSQL in a fresh schema (skipped without a server unless CI=true).</summary>
[RequiresPostgres]
[Collection(PostgresServerCollection.Name)]
public sealed class PostgresHttpClientTests(PostgresServer server) : HttpClientTests<PostgresServer>(server);
