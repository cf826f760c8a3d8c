using Approvals.Core.Storage;

namespace Approvals.Server.Webhooks;

/// <summary>The body of <c>POST /v1/webhooks</c>.</summary>
public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? Events);

/// <summary>A subscription as listed (never with its secret).</summary>
public sealed record WebhookDto(string Id, string Url, IReadOnlyList<string> Events, string Status, DateTimeOffset CreatedAt, DateTimeOffset? DisabledAt, DateTimeOffset? FailingSince);

/// <summary>The answer to a create: the subscription and, this once, its secret.</summary>
public sealed record CreatedWebhookDto(string Id, string Url, IReadOnlyList<string> Events, string Status, DateTimeOffset CreatedAt, string Secret);

/// <summary>The subscriptions of <c>GET /v1/webhooks</c>.</summary>
public sealed record WebhookListDto(IReadOnlyList<WebhookDto> Data);

/// <summary>One delivery of <c>GET /v1/webhooks/{id}/deliveries</c>.</summary>
public sealed record WebhookDeliveryDto(
    string Id,
    string EventId,
    string EventType,
    string Status,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt,
    int? LastStatusCode,
    string? LastError,
    DateTimeOffset? DeliveredAt);

/// <summary>The deliveries of a subscription, newest first.</summary>
public sealed record WebhookDeliveryListDto(IReadOnlyList<WebhookDeliveryDto> Data);

internal static class WebhookMapping
{
    public static WebhookDto ToDto(this WebhookSubscription s) =>
        new(s.Id, s.Url, s.EventTypes, s.DisabledAt is null ? "active" : "disabled", s.CreatedAt, s.DisabledAt, s.FailingSince);

    public static WebhookDeliveryDto ToDto(this WebhookDelivery d) =>
        new(d.Id, d.EventId, d.EventType, Wire(d.Status), d.Attempts, d.CreatedAt, d.Status == WebhookDeliveryStatus.Pending ? d.NextAttemptAt : null,
            d.LastAttemptAt, d.LastStatusCode, d.LastError, d.DeliveredAt);

    private static string Wire(WebhookDeliveryStatus status) => status switch
    {
        WebhookDeliveryStatus.Pending => "pending",
        WebhookDeliveryStatus.Delivered => "delivered",
        _ => "dead",
    };
}
