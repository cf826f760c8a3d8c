using System.Diagnostics.Metrics;
using Approvals.Grains.Approvals;

namespace Approvals.Server.Webhooks;

/// <summary>
/// Webhook delivery attempts on the <c>Approvals</c> meter, exported as <c>approvals_webhook_deliveries_total{result}</c>:
/// <c>delivered</c> (a 2xx in time), <c>failed</c> (to be retried on the schedule), <c>dead</c> (failed on the last
/// step of the schedule) and <c>lease_lost</c> (the attempt outlived its claim; its outcome was dropped and the
/// delivery will be sent again). Counted once the outcome is recorded in the store.
/// </summary>
public sealed class WebhookMetrics
{
    private readonly Counter<long> _deliveries;

    public WebhookMetrics(IMeterFactory? meterFactory = null)
    {
        // Without a host (a test building the sender by hand) a meter of its own, never exported.
        var meter = meterFactory?.Create(ApprovalMetrics.MeterName) ?? new Meter(ApprovalMetrics.MeterName);
        _deliveries = meter.CreateCounter<long>("approvals.webhook.deliveries", "{attempt}",
            "Webhook delivery attempts by result: delivered, failed (retried later), dead (given up), lease_lost (sent again).");
    }

    internal void Attempted(string result) => _deliveries.Add(1, new KeyValuePair<string, object?>("result", result));
}
