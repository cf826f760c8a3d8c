using Approvals.Server.ApiKeys;
using Approvals.Server.Approvals;
using Approvals.Server.Audit;
using Approvals.Server.Auth;
using Approvals.Server.Cluster;
using Approvals.Server.Configuration;
using Approvals.Server.Docs;
using Approvals.Server.Events;
using Approvals.Server.Health;
using Approvals.Server.Http;
using Approvals.Server.Inbox;
using Approvals.Server.Metrics;
using Approvals.Server.OpenApi;
using Approvals.Server.Storage;
using Approvals.Server.Workflows;
using Approvals.Server.Webhooks;
using Microsoft.Extensions.Options;
using Approvals.Contracts;

// Settings shipped beside the program (appsettings.json) apply wherever it is started from; the
// data folder stays relative to the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });

if (TokenCommand.Matches(args))
{
    return TokenCommand.Run(args, builder.Configuration);
}

// The newcomer's default: http://localhost:5080 unless --urls, ASPNETCORE_URLS or Urls say otherwise.
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://localhost:5080");
}

builder.Services.AddOptions<ServerOptions>().Bind(builder.Configuration.GetSection(ServerOptions.Section))
    .Validate(o => !string.IsNullOrWhiteSpace(o.DataFolder), "Approvals:DataFolder must not be empty.")
    .ValidateOnStart();
builder.WebHost.ConfigureKestrel((context, kestrel) =>
{
    kestrel.Limits.MaxRequestBodySize = context.Configuration.GetValue(ServerOptions.Section + ":MaxRequestBodyBytes", 256L * 1024);
    RequestSizeGuard.ConfigureKestrel(kestrel.Limits);
});

// Every node is a silo that co-hosts this gateway: grains, their storage, clustering and reminders.
builder.UseOrleans(silo => silo.AddApprovalsSilo(builder.Configuration).AddApprovalsDashboard(builder.Configuration));
builder.Services.AddApprovalsStorageOptions(builder.Configuration);
builder.Services.AddApprovalsAuth(builder.Configuration);
builder.Services.AddApprovalsEvents(builder.Configuration);
builder.Services.AddApprovalsWebhooks(builder.Configuration);
builder.Services.AddApprovalsMetrics(builder.Configuration);
builder.Services.ConfigureHttpJsonOptions(o => WireJson.Configure(o.SerializerOptions));
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.AddProblemDetails();
builder.Services.AddApprovalsOpenApi();
builder.Services.AddApprovalsInbox(builder.Configuration);

var app = builder.Build();

app.UseMiddleware<AuditContextMiddleware>();
app.UseExceptionHandler();
app.UseStatusCodePages(async context =>
{
    // Routing's own refusals (404, 405, 415 …) as problems too, keeping their status.
    var status = context.HttpContext.Response.StatusCode;
    await Problems.Write(context.HttpContext, status == StatusCodes.Status404NotFound
        ? Problems.NotFound("No such resource.")
        : Problems.ForStatus(status, $"The request was refused with HTTP {status}."));
});
app.UseMiddleware<RequestSizeGuard>();
app.UseMiddleware<RequestTextGuard>();
// Every cookie set from here on (the inbox's session and anti-forgery cookies) gets the inbox's flags.
app.UseCookiePolicy();
app.UseAuthentication();
app.UseAuthorization();
app.UseMiddleware<IdempotencyMiddleware>();

app.MapApprovalsOpenApi();
app.MapHealthApi();
app.MapApprovalsApi();
app.MapWorkflowsApi();
app.MapEventsApi();
app.MapAuditApi();
app.MapApiKeysApi();
app.MapWebhooksApi();
app.MapApprovalsDashboard(app.Configuration);
app.MapApprovalsMetrics().MapApprovalsDocs();
app.MapApprovalsInbox();

// Resolve (or generate) the signing key now, so a bad key stops the start and a new one is announced up front.
var keptInDataFolder = app.Services.GetRequiredService<TokenKey>().KeptInDataFolder;
var dataFolder = Path.GetFullPath(app.Services.GetRequiredService<IOptions<ServerOptions>>().Value.DataFolder);
app.Lifetime.ApplicationStarted.Register(() =>
{
    app.Logger.LogInformation("Approvals is running. Data folder: {DataFolder}", dataFolder);
    if (keptInDataFolder)
    {
        app.Logger.LogInformation("Get a token with: dotnet run --project src/Approvals.Server -- token --sub alice --role reviewer");
    }
});

try
{
    app.Run();
}
catch (Approvals.Storage.Sqlite.SqliteDatabaseInUseException refused)
{
    // An expected refusal, not a crash: say why in one line and exit with an error.
    Console.Error.WriteLine(refused.Message);
    return 2;
}
return 0;

/// <summary>The entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
