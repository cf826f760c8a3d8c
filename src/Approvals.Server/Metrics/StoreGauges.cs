using System.Diagnostics.Metrics;
using Approvals.Contracts;
using Approvals.Grains.Approvals;

namespace Approvals.Server.Metrics;

/// <summary>
/// The gauges over <see cref="StoreReadings"/> on the <c>Approvals</c> meter, exported as
/// <c>approvals_requests{status}</c> and <c>approvals_event_log_lag_seconds{reader}</c>. Observed only when
/// scraped, so an unscraped node never reads the store for them.
/// </summary>
public sealed class StoreGauges
{
    public StoreGauges(StoreReadings readings, IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        // The factory hands back the meter ApprovalMetrics uses: one meter, owned (and disposed) by the factory.
        var meter = meterFactory.Create(ApprovalMetrics.MeterName);
        meter.CreateObservableGauge("approvals.requests",
            () => readings.ForScrape() is { } snapshot
                ? snapshot.Requests.Select(r => new Measurement<long>(r.Value, new KeyValuePair<string, object?>("status", WireNames.Of(r.Key))))
                : [],
            "{request}", "Approval requests of all tenants by status, from the store's counters.");
        meter.CreateObservableGauge("approvals.event_log.lag",
            () => readings.ForScrape() is { } snapshot
                ? snapshot.Lag.Select(l => new Measurement<double>(l.Value.TotalSeconds, new KeyValuePair<string, object?>("reader", l.Key)))
                : [],
            "s", "Age of the oldest event a checkpointed reader of the event log has not finished (0 when caught up), by reader: workflows, webhooks.");
    }
}
