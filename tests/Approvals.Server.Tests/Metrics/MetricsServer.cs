using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Metrics;

/// <summary>
/// The settings of the metrics tests' servers. Each backend gets a server of its own: /metrics counts what
/// happens on the whole server, not per tenant, so its figures must not move with other suites' requests and
/// deadlines. Webhooks may go to loopback (the test's receiver), polled often, and retried soon but for long
/// enough (9 s of attempts) that a slow machine still sees the endpoint come back before the delivery dies.
/// </summary>
public static class MetricsServer
{
    public static readonly IReadOnlyDictionary<string, string?> Settings = new Dictionary<string, string?>
    {
        ["Approvals:Webhooks:AllowPrivateTargets"] = "true",
        ["Approvals:Webhooks:SendPollInterval"] = "00:00:00.05",
        ["Approvals:Webhooks:FanOutPollInterval"] = "00:00:00.05",
        ["Approvals:Webhooks:RetrySchedule:0"] = "00:00:00.2",
        ["Approvals:Webhooks:RetrySchedule:1"] = "00:00:01",
        ["Approvals:Webhooks:RetrySchedule:2"] = "00:00:01",
        ["Approvals:Webhooks:RetrySchedule:3"] = "00:00:01",
        ["Approvals:Webhooks:RetrySchedule:4"] = "00:00:01",
        ["Approvals:Webhooks:RetrySchedule:5"] = "00:00:01",
        ["Approvals:Webhooks:RetrySchedule:6"] = "00:00:01",
        ["Approvals:Webhooks:RetrySchedule:7"] = "00:00:01",
        ["Approvals:Webhooks:RetrySchedule:8"] = "00:00:01",
        ["Approvals:Webhooks:RetrySchedule:9"] = "00:00:01",
    };
}

/// <summary>The metrics tests' server on SQLite.</summary>
public sealed class SqliteMetricsServer : SqliteServer
{
    protected override IReadOnlyDictionary<string, string?> FeatureSettings => MetricsServer.Settings;
}

/// <summary>The metrics tests' server on PostgreSQL (skipped without a server unless CI=true).</summary>
public sealed class PostgresMetricsServer : PostgresServer
{
    protected override IReadOnlyDictionary<string, string?> FeatureSettings => MetricsServer.Settings;
}
