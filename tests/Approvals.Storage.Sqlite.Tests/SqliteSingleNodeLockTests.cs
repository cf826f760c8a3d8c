namespace Approvals.Storage.Sqlite.Tests;

public sealed class SqliteSingleNodeLockTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("approvals-lock-").FullName;

    private string ConnectionString => $"Data Source={Path.Combine(_folder, "approvals.db")}";

    [Fact]
    public void ASecondNodeOnTheSameFile_IsRefusedWithAClearMessage_UntilTheFirstLetsGo()
    {
        var first = SqliteSingleNodeLock.Acquire(ConnectionString);

        var refused = Assert.Throws<SqliteDatabaseInUseException>(() => SqliteSingleNodeLock.Acquire(ConnectionString));
        Assert.Contains(Path.Combine(_folder, "approvals.db"), refused.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", refused.Message, StringComparison.Ordinal);

        first.Dispose();
        using var next = SqliteSingleNodeLock.Acquire(ConnectionString);
    }

    [Fact]
    public void AnotherFile_OrAnInMemoryDatabase_IsNotLocked()
    {
        using var first = SqliteSingleNodeLock.Acquire(ConnectionString);
        using var other = SqliteSingleNodeLock.Acquire($"Data Source={Path.Combine(_folder, "other.db")}");
        using var memory = SqliteSingleNodeLock.Acquire("Data Source=:memory:");
        using var memoryAgain = SqliteSingleNodeLock.Acquire("Data Source=:memory:");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
