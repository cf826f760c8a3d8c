// A remediation worker: files "restart db-7" (risk 60) with the in-cluster client, prints the approval's id on
// its first line, waits for the decision, then prints `executing` (approved) or `cancelled` (rejected, cancelled
// or expired) and exits 0. Stopped while it waits (SIGTERM, Ctrl-C), it prints `stopped` and exits 2 without
// executing; the approval stays as it is. It reads the server's own settings (Approvals__Storage__Provider,
// Approvals__Storage__ConnectionString, Approvals__Cluster__ClusterId/ServiceId/AdvertisedAddress/GatewayPort),
// and calls as the API key Approvals__Worker__KeyId of tenant Approvals__Worker__Tenant.
using Approvals.Client.Cluster;
using Approvals.Contracts;
using Approvals.Grains.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
// stdout is the worker's answer (id, then the outcome): logs go to stderr, warnings and up.
builder.Logging.ClearProviders();
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var worker = builder.Configuration.GetSection("Approvals:Worker");
var tenant = worker["Tenant"] ?? "default";
var keyId = worker["KeyId"] ?? "remediation-worker";
builder.Services.AddApprovalsClusterClient(options =>
{
    options.BindServerSettings(builder.Configuration);
    options.Caller = new Caller(CallerKind.Key, keyId, "remediation worker", tenant, [], ["approvals:create", "approvals:read"], null);
});

using var host = builder.Build();
await host.StartAsync();
var approvals = host.Services.GetRequiredService<ClusterApprovalsClient>();

var created = await approvals.CreateAsync(new CreateApprovalRequest
{
    Title = "restart db-7",
    RequestedOperation = "restart",
    Target = "db-7",
    RiskScore = 60,
    ExpiresIn = worker["ExpiresIn"] ?? "PT1H",
});
Console.WriteLine(created.Id);

// Pending until decided or expired (the grain applies the deadline): wait as long as it takes, or until the
// process is asked to stop (the host turns SIGTERM and Ctrl-C into ApplicationStopping).
var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
ApprovalStatusDto status;
try
{
    do
    {
        status = await approvals.WaitForDecisionAsync(created.Id, TimeSpan.FromHours(1), stopping);
    }
    while (status.Status == "pending");
}
catch (OperationCanceledException) when (stopping.IsCancellationRequested)
{
    Console.WriteLine("stopped");
    await host.StopAsync();
    return 2;
}
Console.WriteLine(status.Status == "approved" ? "executing" : "cancelled");
await host.StopAsync();
return 0;
