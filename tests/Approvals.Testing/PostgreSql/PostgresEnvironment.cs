namespace Approvals.Testing.PostgreSql;

/// <summary>
/// Where the PostgreSQL tests find their server: the connection string in
/// <c>APPROVALS_TEST_POSTGRES</c>. Locally a missing variable skips them with a visible reason;
/// under <c>CI=true</c> they run and fail, so a misconfigured pipeline cannot pass by skipping.
/// </summary>
public static class PostgresEnvironment
{
    /// <summary>The environment variable holding the admin connection string.</summary>
    public const string Variable = "APPROVALS_TEST_POSTGRES";

    /// <summary>The connection string, or null when the variable is unset or empty.</summary>
    public static string? ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value ? value : null;

    /// <summary>True when <c>CI=true</c>.</summary>
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why PostgreSQL tests are skipped, or null when they must run.</summary>
    public static string? SkipReason => ConnectionString is null && !IsCi
        ? $"PostgreSQL tests need {Variable} (start one with: eval \"$(scripts/postgres.sh start)\"). Skipped locally; under CI=true they fail instead."
        : null;

    /// <summary>The connection string; throws a clear error when there is none (the CI=true case).</summary>
    public static string RequireConnectionString() =>
        ConnectionString ?? throw new InvalidOperationException(
            $"{Variable} is not set, and CI=true requires the PostgreSQL tests to run. Start a server " +
            $"(eval \"$(scripts/postgres.sh start)\") or set {Variable} to a connection string.");
}
