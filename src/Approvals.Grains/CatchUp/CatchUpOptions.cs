namespace Approvals.Grains.CatchUp;

/// <summary>How the start-up catch-up of missed deadlines runs (<c>Approvals:Grains:CatchUp</c>).</summary>
public sealed class CatchUpOptions
{
    public const string Section = "Approvals:Grains:CatchUp";

    /// <summary>
    /// Whether each silo drives what fell due while no silo ran, once it is active. Off, such deadlines
    /// wait for their reminder's next tick, up to a reminder period late.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Whether every surviving silo drives the overdue deadlines again when the cluster declares a silo
    /// dead: a reminder tick due while the dead silo still owned it, or before a survivor took its share of
    /// the ring over, is skipped by Orleans, not fired late.
    /// </summary>
    public bool AfterSiloFailure { get; set; } = true;

    /// <summary>How long after a silo is declared dead the survivors drive what passed (time for their reminder services to take its reminders over).</summary>
    public TimeSpan AfterSiloFailureDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many due rows one query reads (1 to 10,000).</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>How many grain calls are in flight at once (1 to 1,024): enough to hide latency, few enough to leave the silo to its callers.</summary>
    public int MaxConcurrency { get; set; } = 32;
}
