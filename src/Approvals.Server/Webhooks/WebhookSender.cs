using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Approvals.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Webhooks;

/// <summary>
/// Sends due deliveries: claims them with a lease (so no two nodes send one attempt, and a node that
/// dies mid-send leaves the delivery to be claimed again), POSTs the event with Standard Webhooks
/// headers, and records the outcome: delivered on a 2xx within the timeout, otherwise a retry on the
/// schedule or, after its last step, dead. A subscription that has failed without a break for
/// <see cref="WebhookOptions.DisableAfter"/> is disabled. Connections go only to the addresses the
/// target check passed, resolved at connect time, so DNS rebinding cannot reach an internal address.
/// </summary>
public sealed class WebhookSender : BackgroundService
{
    private readonly IWebhookStore _store;
    private readonly WebhookWakeup _wakeup;
    private readonly WebhookOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly WebhookMetrics _metrics;
    private readonly HttpClient _http;

    public WebhookSender(IWebhookStore store, WebhookWakeup wakeup, IOptions<WebhookOptions> options, TimeProvider clock, WebhookMetrics metrics,
        ILogger<WebhookSender> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _metrics = metrics;
        _wakeup = wakeup;
        _options = options.Value;
        _clock = clock;
        _logger = logger;
        var allowPrivate = _options.AllowPrivateTargets;
        var handler = new SocketsHttpHandler
        {
            // A proxy would make the connection for us, past the address check; redirects could point anywhere.
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(1),
            ConnectTimeout = _options.Timeout,
            ConnectCallback = (context, ct) => ConnectAsync(context.DnsEndPoint, allowPrivate, ct),
        };
        _http = new HttpClient(handler) { Timeout = _options.Timeout };
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunOnceAsync(stoppingToken) < _options.BatchSize)
                {
                    await _wakeup.WaitAsync(_options.SendPollInterval, _clock, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error)
            {
                _logger.LogError(error, "The webhook sender failed; retrying after the poll interval.");
                await Task.Delay(_options.SendPollInterval, _clock, stoppingToken);
            }
        }
    }

    /// <summary>Claims and sends the deliveries due now; returns how many were claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var due = await _store.ClaimDueDeliveriesAsync(_clock.GetUtcNow(), _options.BatchSize, _options.Lease, cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken },
            async (claimed, ct) => await DeliverAsync(claimed, ct));
        return due.Count;
    }

    private async Task DeliverAsync(ClaimedWebhookDelivery claimed, CancellationToken cancellationToken)
    {
        var (statusCode, error) = await SendAsync(claimed, cancellationToken);
        var now = _clock.GetUtcNow();
        var delivered = error is null;
        DateTimeOffset? retryAt = null;
        if (!delivered)
        {
            var attempt = claimed.Delivery.Attempts + 1;
            var schedule = _options.Schedule;
            retryAt = attempt <= schedule.Count ? now + schedule[attempt - 1] : null;
        }
        if (!await _store.RecordAttemptAsync(claimed, new WebhookAttempt(now, delivered, statusCode, error, retryAt), cancellationToken))
        {
            _metrics.Attempted("lease_lost");
            _logger.LogWarning("Delivery {Delivery} outlived its lease; its outcome was dropped and it will be sent again.", claimed.Delivery.Id);
            return;
        }
        _metrics.Attempted(delivered ? "delivered" : retryAt is null ? "dead" : "failed");
        if (!delivered)
        {
            _logger.LogInformation("Delivery {Delivery} of {Event} to subscription {Subscription} failed ({Error}); {Next}.",
                claimed.Delivery.Id, claimed.Event.Id, claimed.Subscription.Id, error, retryAt is { } at ? $"retrying at {at:O}" : "giving up");
            var failingSince = claimed.Subscription.FailingSince ?? now;
            if (now - failingSince >= _options.DisableAfter)
            {
                await _store.DisableSubscriptionAsync(claimed.Subscription.Id, now, cancellationToken);
                _logger.LogWarning("Subscription {Subscription} has failed since {Since:O}; disabled.", claimed.Subscription.Id, failingSince);
            }
        }
    }

    /// <summary>One attempt: the endpoint's status code, if any, and an error, or null for a 2xx.</summary>
    private async Task<(int? StatusCode, string? Error)> SendAsync(ClaimedWebhookDelivery claimed, CancellationToken cancellationToken)
    {
        var body = WebhookPayload.Serialize(claimed.Event);
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, claimed.Subscription.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        // The event id is the message id, so every attempt and redelivery of one event repeats it.
        request.Headers.TryAddWithoutValidation("webhook-id", claimed.Event.Id);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSignature.Sign(claimed.Subscription.Secret, claimed.Event.Id, timestamp, body));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var code = (int)response.StatusCode;
            return response.IsSuccessStatusCode ? (code, null) : (code, $"HTTP {code}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, $"No response within {_options.Timeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException error)
        {
            return (null, error.InnerException is WebhookTargetRefusedException refused ? refused.Message : error.Message);
        }
    }

    private static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, bool allowPrivate, CancellationToken cancellationToken)
    {
        var host = endPoint.Host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = allowPrivate ? addresses : addresses.Where(a => !WebhookTargets.IsInternal(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new WebhookTargetRefusedException(host);
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, endPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
