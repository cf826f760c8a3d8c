using Approvals.Core;
using Approvals.Core.Storage;
using Approvals.Server.Webhooks;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Webhooks;

/// <summary>The webhook calls of API.md ("Events, webhooks, audit"): admin only, within the caller's tenant.</summary>
public static class WebhooksApi
{
    private const int MaxPatterns = 50;
    private const int MaxPatternLength = 100;
    private const int MaxUrlLength = 2048;
    private const int DeliveriesShown = 100;

    public static RouteGroupBuilder MapWebhooksApi(this IEndpointRouteBuilder routes)
    {
        // Admins only (403 for anyone else).
        var group = routes.MapGroup("/v1/webhooks").WithTags("Webhooks").RequireAuthorization().ProducesProblems(StatusCodes.Status403Forbidden);
        group.MapPost("", CreateAsync).Accepts<CreateWebhookRequest>("application/json").Produces<CreatedWebhookDto>(StatusCodes.Status201Created);
        group.MapGet("", ListAsync).Produces<WebhookListDto>();
        group.MapGet("/{id}", GetAsync).Produces<WebhookDto>().ProducesProblems(StatusCodes.Status404NotFound);
        group.MapDelete("/{id}", DeleteAsync).Produces(StatusCodes.Status204NoContent).ProducesProblems(StatusCodes.Status404NotFound);
        group.MapGet("/{id}/deliveries", ListDeliveriesAsync).Produces<WebhookDeliveryListDto>().ProducesProblems(StatusCodes.Status404NotFound);
        group.MapPost("/{id}/deliveries/{deliveryId}/redeliver", RedeliverAsync).Produces(StatusCodes.Status202Accepted).ProducesProblems(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IWebhookStore store, IOptions<WebhookOptions> options, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!caller.IsAdmin)
        {
            return Forbidden();
        }
        var body = await JsonBody.ReadAsync<CreateWebhookRequest>(http.Request, required: true, ct);
        if (!body.IsSuccess)
        {
            return Problems.Result(body.Error!);
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var url = body.Value!.Url;
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxUrlLength)
        {
            errors["url"] = [$"url is required: an absolute http or https URL of at most {MaxUrlLength} characters."];
        }
        else if (await WebhookTargets.RefusalAsync(url, options.Value.AllowPrivateTargets, ct) is { } refusal)
        {
            errors["url"] = [refusal];
        }
        var events = body.Value.Events;
        if (events is null || events.Count == 0 || events.Count > MaxPatterns)
        {
            errors["events"] = [$"events must list 1 to {MaxPatterns} event types or patterns such as 'approval.*'."];
        }
        else if (events.FirstOrDefault(p => !IsPattern(p)) is { } bad)
        {
            errors["events"] = [$"'{bad}' is not an event type pattern: lower-case letters, digits, '.', '_' and '*', at most {MaxPatternLength} characters."];
        }
        if (errors.Count > 0)
        {
            return Problems.Result(DomainError.Validation(errors));
        }
        var now = clock.GetUtcNow();
        var subscription = new WebhookSubscription(Ids.New("whk", now), caller.TenantId, url!, events!.Distinct(StringComparer.Ordinal).ToList(),
            WebhookSignature.NewSecret(), TruncateToMicros(now), null, null);
        await store.CreateSubscriptionAsync(subscription, ct);
        var created = new CreatedWebhookDto(subscription.Id, subscription.Url, subscription.EventTypes, "active", subscription.CreatedAt, subscription.Secret);
        return StoredResponse.Json(StatusCodes.Status201Created, created, ("Location", $"/v1/webhooks/{subscription.Id}")).ToResult();
    }

    private static async Task<IResult> ListAsync(HttpContext http, IWebhookStore store, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!caller.IsAdmin)
        {
            return Forbidden();
        }
        var subscriptions = await store.ListSubscriptionsAsync(caller.TenantId, ct);
        return StoredResponse.Json(StatusCodes.Status200OK, new WebhookListDto(subscriptions.Select(s => s.ToDto()).ToList())).ToResult();
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, IWebhookStore store, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!caller.IsAdmin)
        {
            return Forbidden();
        }
        return await store.GetSubscriptionAsync(caller.TenantId, id, ct) is { } subscription
            ? StoredResponse.Json(StatusCodes.Status200OK, subscription.ToDto()).ToResult()
            : NotFound(id);
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext http, IWebhookStore store, TimeProvider clock, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!caller.IsAdmin)
        {
            return Forbidden();
        }
        return await store.DeleteSubscriptionAsync(caller.TenantId, id, clock.GetUtcNow(), ct) ? TypedResults.NoContent() : NotFound(id);
    }

    private static async Task<IResult> ListDeliveriesAsync(string id, HttpContext http, IWebhookStore store, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!caller.IsAdmin)
        {
            return Forbidden();
        }
        if (await store.GetSubscriptionAsync(caller.TenantId, id, ct) is null)
        {
            return NotFound(id);
        }
        var deliveries = await store.ListDeliveriesAsync(caller.TenantId, id, DeliveriesShown, ct);
        return StoredResponse.Json(StatusCodes.Status200OK, new WebhookDeliveryListDto(deliveries.Select(d => d.ToDto()).ToList())).ToResult();
    }

    private static async Task<IResult> RedeliverAsync(string id, string deliveryId, HttpContext http, IWebhookStore store, WebhookWakeup wakeup, TimeProvider clock,
        CancellationToken ct)
    {
        var caller = http.Caller();
        if (!caller.IsAdmin)
        {
            return Forbidden();
        }
        if (!await store.RedeliverAsync(caller.TenantId, id, deliveryId, clock.GetUtcNow(), ct))
        {
            return Problems.Result(Problems.NotFound($"No delivery '{deliveryId}' of webhook '{id}' exists."));
        }
        wakeup.Wake();
        return TypedResults.Accepted((string?)null);
    }

    private static IResult Forbidden() => Problems.Result(Problems.Forbidden("Managing webhooks needs the admin role or the admin scope."));

    private static IResult NotFound(string id) => Problems.Result(Problems.NotFound($"No webhook '{id}' exists."));

    private static bool IsPattern(string? pattern) =>
        !string.IsNullOrEmpty(pattern) && pattern.Length <= MaxPatternLength
        && pattern.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '*');

    // Stored times keep microseconds; the create answer should say what a later read says.
    private static DateTimeOffset TruncateToMicros(DateTimeOffset t) => new(t.UtcTicks - t.UtcTicks % 10, TimeSpan.Zero);
}
