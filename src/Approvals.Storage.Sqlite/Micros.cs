namespace Approvals.Storage.Sqlite;

/// <summary>Times as unix microseconds, the exact precision the rest of Approvals keeps.</summary>
internal static class Micros
{
    public static long From(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset To(long micros) => new(DateTimeOffset.UnixEpoch.UtcTicks + micros * 10, TimeSpan.Zero);
}
