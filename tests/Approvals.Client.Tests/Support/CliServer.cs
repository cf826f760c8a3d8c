using Approvals.EndToEnd.Tests.Hosting;

namespace Approvals.Client.Tests.Support;

/// <summary>One real server process on SQLite (a temporary data folder, the test signing key), shared by the command-line tests.</summary>
public sealed class CliServer : IAsyncLifetime
{
    private readonly TempFolder _data = new("approvals-cli-tests-");
    private ServerProcess? _server;

    public ServerProcess Server => _server ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>Runs SQL on the server's SQLite database behind its back (<c>$name</c> parameters), as an intruder would.</summary>
    public async Task<int> ExecuteSqlAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_data.Path, "approvals.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue("$" + name, value);
        }
        return await command.ExecuteNonQueryAsync();
    }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>, as <c>--url</c> takes it.</summary>
    public string Url => Server.BaseAddress.ToString().TrimEnd('/');

    public async Task InitializeAsync() =>
        _server = await ServerProcess.StartAsync("cli-server", [$"--Approvals:DataFolder={_data.Path}", $"--Approvals:Auth:SigningKey={TestTokens.KeySetting}"]);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
        _data.Dispose();
    }
}

/// <summary>The command-line tests, one at a time against the one server process.</summary>
[CollectionDefinition(Name)]
public sealed class CliServerCollection : ICollectionFixture<CliServer>
{
    public const string Name = "Command line";
}
