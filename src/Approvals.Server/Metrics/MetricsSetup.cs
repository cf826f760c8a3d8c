using System.Diagnostics.Metrics;
using Approvals.Grains.Approvals;
using Approvals.Grains.Storage;
using Microsoft.AspNetCore.Authorization;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Approvals.Server.Metrics;

/// <summary>
/// <c>/metrics</c> in the Prometheus text format, through OpenTelemetry: ASP.NET Core's HTTP server metrics,
/// the .NET runtime's, Orleans' own (meter <c>Microsoft.Orleans</c>: grain calls, activations, messaging),
/// our grain storage's (<c>Approvals.Grains</c>) and ours (<c>Approvals</c>: decisions, expiries and their
/// lateness, webhook deliveries, requests by status, event-log lag). Access: <see cref="MetricsAccessHandler"/>.
/// </summary>
public static class MetricsSetup
{
    public const string Path = "/metrics";
    public const string Policy = "metrics";

    /// <summary>Orleans' meter (every Orleans instrument is on it).</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    private static readonly string[] OurMeters = [ApprovalMetrics.MeterName, StorageMetrics.MeterName];

    public static IServiceCollection AddApprovalsMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().Bind(configuration.GetSection(MetricsOptions.Section))
            .Validate(o => o.StoreCacheDuration >= TimeSpan.Zero && o.StoreCacheDuration <= TimeSpan.FromMinutes(5),
                "Approvals:Metrics:StoreCacheDuration must be between 0 and 5 minutes.")
            .Validate(o => o.StoreReadTimeout > TimeSpan.Zero && o.StoreReadTimeout <= TimeSpan.FromSeconds(30),
                "Approvals:Metrics:StoreReadTimeout must be positive and at most 30 seconds.")
            .ValidateOnStart();
        services.AddSingleton<IAuthorizationHandler, MetricsAccessHandler>();
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.AddRequirements(new MetricsAccessRequirement()));
        services.AddSingleton<StoreReadings>();
        services.AddSingleton<StoreGauges>();
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("approvals"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(OrleansMeter, StorageMetrics.MeterName, ApprovalMetrics.MeterName)
                // Created with the meter provider, so the gauges exist from the first scrape on.
                .AddInstrumentation(sp => sp.GetRequiredService<StoreGauges>())
                .AddPrometheusExporter(prometheus =>
                {
                    // Metric names are unique across our meters already; a scope label on every series would only double their size.
                    prometheus.ScopeInfoEnabled = false;
                }));
        services.ConfigureOpenTelemetryMeterProvider((sp, builder) => builder.AddView(OnlyThisHost(sp.GetRequiredService<IMeterFactory>())));
        return services;
    }

    public static IEndpointRouteBuilder MapApprovalsMetrics(this IEndpointRouteBuilder routes)
    {
        // Not an API operation (text, not JSON; for Prometheus, not for clients): kept out of the OpenAPI document like the dashboard.
        routes.MapPrometheusScrapingEndpoint(Path).RequireAuthorization(Policy).DisableHttpMetrics().ExcludeFromDescription();
        return routes;
    }

    /// <summary>
    /// OpenTelemetry subscribes to meters by name across the whole process, so two hosts in one process (test
    /// servers, or a host and an in-process cluster) would add up each other's counters. Meters made by a host's
    /// <see cref="IMeterFactory"/> carry it as their scope: instruments of another host's meters are dropped, and so
    /// are ours when made without a factory (a component built by hand, as tests do; the host always passes one).
    /// Process-wide meters (the runtime's, with no scope) are kept.
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration?> OnlyThisHost(IMeterFactory own) => instrument => instrument.Meter.Scope switch
    {
        null => OurMeters.Contains(instrument.Meter.Name) ? MetricStreamConfiguration.Drop : null,
        var scope => ReferenceEquals(scope, own) ? null : MetricStreamConfiguration.Drop,
    };
}
