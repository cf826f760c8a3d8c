using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.ApiKeys;

/// <summary>API keys against SQLite in a temporary data folder.</summary>
[Collection(SqliteServerCollection.Name)]
public sealed class SqliteApiKeysApiTests(SqliteServer server) : ApiKeysApiTests<SqliteServer>(server);
