using Approvals.Client.Tests.Support;
using Approvals.Server.Tests.Support;

namespace Approvals.Client.Tests.Http;

/// <summary>The HTTP client against the server on SQLite.</summary>
[Collection(SqliteServerCollection.Name)]
public sealed class SqliteHttpClientTests(SqliteServer server) : HttpClientTests<SqliteServer>(server);
