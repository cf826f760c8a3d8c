using Orleans;
using Orleans.Runtime;

namespace Approvals.Storage.PostgreSql.Clustering;

/// <summary>
/// Applies the schema migrations in the first stage of the silo's lifecycle, before membership and
/// reminders (which start in <see cref="ServiceLifecycleStage.RuntimeGrainServices"/>) read the
/// statements the migrations store. Silos starting together apply each migration once: the migrator
/// holds an advisory lock.
/// </summary>
internal sealed class PostgresSchemaMigrationOnStart(string connectionString) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(PostgresSchemaMigrationOnStart), ServiceLifecycleStage.First, MigrateAsync);

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var dataSource = PostgresStoreDatabase.CreateDataSource(connectionString);
        await new PostgresStoreDatabase(dataSource).MigrateAsync(cancellationToken);
    }
}
