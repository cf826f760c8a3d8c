using Approvals.Server.ApiKeys.Tests.Support;

namespace Approvals.Server.ApiKeys.Tests.ApiKeys;

/// <summary>API keys against SQLite in a temporary data folder.</summary>
public sealed class SqliteApiKeysApiTests(SqliteKeyServer server) : ApiKeysApiTests<SqliteKeyServer>(server);
