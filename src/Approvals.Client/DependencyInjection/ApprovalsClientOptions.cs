namespace Approvals.Client.DependencyInjection;

/// <summary>Where the API is, how to authenticate to it, and how hard to try.</summary>
public sealed class ApprovalsClientOptions
{
    /// <summary>The server, such as <c>http://localhost:5080</c>. Required.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>A bearer token (a person's JWT, or an API key <c>ak_…</c>) sent with every call.</summary>
    public string? BearerToken { get; set; }

    /// <summary>An API key (<c>ak_…</c>) sent as <c>X-Api-Key</c> with every call.</summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Called for every attempt to get the bearer token to send, so a token that expires is refreshed between
    /// retries; use instead of <see cref="BearerToken"/> and <see cref="ApiKey"/>.
    /// </summary>
    public Func<IServiceProvider, CancellationToken, ValueTask<string>>? TokenProvider { get; set; }

    /// <summary>
    /// How many times a failed attempt is retried: connection failures, timeouts, 5xx, 408 and 429 (after the
    /// server's <c>Retry-After</c> when it sends one). Default 3; 0 turns retries off.
    /// </summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The first retry's delay without a <c>Retry-After</c>; each next one doubles it, with jitter. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long one attempt may take before it is abandoned (and retried). Default 30 s, above the 20 s a
    /// long-poll of <see cref="IApprovalsClient.WaitForDecisionAsync"/> asks the server to hold.
    /// </summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the event stream waits before reconnecting after its connection ended (the server's <c>retry:</c> wins). Default 1 s.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);
}
