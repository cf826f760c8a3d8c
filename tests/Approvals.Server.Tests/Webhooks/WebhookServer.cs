using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Webhooks;

/// <summary>
/// The settings the webhook calls need on top of the shared server's: loopback targets allowed (the
/// receiver is on 127.0.0.1) and a short retry schedule, so an outage of a second or two spans several
/// attempts. The shared servers keep the defaults, so the fuzzer's and the target tests' servers refuse
/// internal targets as a deployed one does.
/// </summary>
public static class WebhookServer
{
    /// <summary>The short schedule: 0.2 s, then 0.4 s for six more retries (3.4 s of attempts before a delivery dies).</summary>
    public static readonly IReadOnlyDictionary<string, string?> ShortSchedule = new Dictionary<string, string?>
    {
        ["Approvals:Webhooks:AllowPrivateTargets"] = "true",
        ["Approvals:Webhooks:SendPollInterval"] = "00:00:00.05",
        ["Approvals:Webhooks:FanOutPollInterval"] = "00:00:00.05",
        ["Approvals:Webhooks:RetrySchedule:0"] = "00:00:00.2",
        ["Approvals:Webhooks:RetrySchedule:1"] = "00:00:00.4",
        ["Approvals:Webhooks:RetrySchedule:2"] = "00:00:00.4",
        ["Approvals:Webhooks:RetrySchedule:3"] = "00:00:00.4",
        ["Approvals:Webhooks:RetrySchedule:4"] = "00:00:00.4",
        ["Approvals:Webhooks:RetrySchedule:5"] = "00:00:00.4",
        ["Approvals:Webhooks:RetrySchedule:6"] = "00:00:00.4",
    };
}

/// <summary>The SQLite server with <see cref="WebhookServer.ShortSchedule"/>.</summary>
public sealed class SqliteWebhookServer : SqliteServer
{
    protected override IReadOnlyDictionary<string, string?> FeatureSettings => WebhookServer.ShortSchedule;
}

/// <summary>The PostgreSQL server with <see cref="WebhookServer.ShortSchedule"/> (skipped without a server unless CI=true).</summary>
public sealed class PostgresWebhookServer : PostgresServer
{
    protected override IReadOnlyDictionary<string, string?> FeatureSettings => WebhookServer.ShortSchedule;
}
