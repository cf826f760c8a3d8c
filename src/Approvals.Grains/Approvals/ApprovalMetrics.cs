using System.Diagnostics.Metrics;
using Approvals.Contracts;
using Approvals.Core.Approvals;

namespace Approvals.Grains.Approvals;

/// <summary>
/// What happens to approval requests, on the meter <c>Approvals</c>: requests that reached a final status
/// (by that status), deadlines applied (by what the policy made of them) and how late each was applied.
/// Recorded by <see cref="ApprovalGrain"/> once per committed write, after the commit succeeded, so a lost
/// write race, a retried call or a replayed idempotent reply never counts twice.
/// </summary>
public sealed class ApprovalMetrics : IDisposable
{
    /// <summary>The meter name to listen to or export; the server adds its own instruments to it.</summary>
    public const string MeterName = "Approvals";

    // Seconds, from "applied at once" to "no silo ran for a day": OpenTelemetry's default buckets are for milliseconds.
    private static readonly double[] LatenessBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 86400];

    private readonly Meter _meter;
    private readonly bool _ownsMeter;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _expiries;
    private readonly Histogram<double> _lateness;

    public ApprovalMetrics(IMeterFactory? meterFactory = null)
    {
        // The host's factory scopes the meter to this host (the exporter reads only its own host's meters) and owns it.
        _ownsMeter = meterFactory is null;
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        // Exported as approvals_decisions_total, approvals_expired_total and approvals_expiry_lateness_seconds_*:
        // the Prometheus exporter adds _total to counters and the unit ("s" → _seconds); a {…} unit adds nothing.
        _decisions = _meter.CreateCounter<long>("approvals.decisions", "{request}",
            "Approval requests that reached a final status, by that status (outcome: approved, rejected, expired, cancelled).");
        _expiries = _meter.CreateCounter<long>("approvals.expired", "{deadline}",
            "Deadlines applied, by what the request's on_expiry policy made of it (outcome: expired, rejected, approved, escalated).");
        _lateness = _meter.CreateHistogram("approvals.expiry_lateness", "s",
            "How long after its deadline an expiry was committed.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatenessBuckets });
    }

    /// <summary>
    /// Records one committed write of a request: <paramref name="before"/> is the state it replaced (null for a
    /// new request), <paramref name="after"/> the committed one, <paramref name="expiry"/> whether the write
    /// applied the deadline, and <paramref name="committedAt"/> the time the write was decided at.
    /// </summary>
    internal void Committed(ApprovalState? before, ApprovalState after, bool expiry, DateTimeOffset committedAt)
    {
        if (expiry && before is not null)
        {
            // An escalation keeps the request pending with a later deadline; every other expiry ends it.
            var outcome = after.IsFinal ? WireNames.Of(after.Status) : "escalated";
            _expiries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
            _lateness.Record(Math.Max(0, (committedAt - before.ExpiresAt).TotalSeconds));
        }
        if (after.IsFinal && before is not { IsFinal: true })
        {
            _decisions.Add(1, new KeyValuePair<string, object?>("outcome", WireNames.Of(after.Status)));
        }
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            _meter.Dispose();
        }
    }
}
