using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using Approvals.Client.Cluster;
using Approvals.Contracts;
using Approvals.Grains.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using HttpApprovalsClient = Approvals.Client.ApprovalsClient;

namespace Approvals.Bench.Rest;

/// <summary>
/// <c>wait-latency</c>: how soon <c>WaitForDecisionAsync</c> returns once a decision is committed, for the in-cluster
/// client (<see cref="ClusterApprovalsClient"/>, an Orleans client of the server process's gateway, woken by a grain
/// observer) and for the HTTP client (<see cref="HttpApprovalsClient"/>, long-polling <c>status?wait=</c>); n waits
/// each, <see cref="Outstanding"/> outstanding at a time.
/// <para>
/// A batch: <see cref="Outstanding"/> requests are filed over REST, a wait is started on each, and once every one is
/// outstanding (the in-cluster client reports its observer subscribed; the HTTP client's long-poll requests are on
/// their way, then <see cref="HttpSettle"/> lets the server take them to the grain, for HTTP gives no signal of that)
/// the bench approves them over REST one after another, each approval awaited before the next, so each decision is a
/// commit of its own while the rest of the batch is still waiting.
/// </para>
/// <para>
/// The commit itself is not visible from outside, so it is bracketed, on the one clock bench and server share on this
/// machine: <c>decided_at</c> (the server's clock when it decided, just before the write joined a group commit) is no
/// later than the commit, and the bench's receipt of the approve call's 200 is no earlier than it. "From decided_at"
/// (the wait's return minus the returned status's <c>decided_at</c>) is therefore an upper bound of commit → return and
/// is the headline figure (p50, p99, max; the issue's goal is p99 under 50 ms on one node: printed, not asserted);
/// "from the 200" (the return minus the approve response's receipt) is a lower bound and is negative when the waiter
/// woke before the reviewer's own response arrived. The approve call's latency is printed for reference.
/// </para>
/// </summary>
public static class WaitLatency
{
    /// <summary>Waits outstanding at once: a workflow engine's modest backlog, and it keeps 1,000 waits to seconds.</summary>
    public const int Outstanding = 50;

    /// <summary>The issue's goal for the p99, printed beside it.</summary>
    private const double GoalP99Ms = 50;

    /// <summary>The HTTP long-polls in flight get this long to reach the grain before the first approval (see above).</summary>
    private static readonly TimeSpan HttpSettle = TimeSpan.FromMilliseconds(250);

    /// <summary>Far beyond any batch: a wait still pending after it is a failure, not a slow figure.</summary>
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromMinutes(2);

    public static Task<IReadOnlyList<Figure>> RunAsync(ServerRun run) => run.WithServerAsync<IReadOnlyList<Figure>>(async server =>
    {
        var cancellation = run.Cancellation;
        var tokens = server.Tokens;
        using var rest = new ApprovalsClient(server.BaseAddress, Load.Clients);
        await Warmup.RunAsync(rest, tokens, cancellation);

        await using var inCluster = await ClusterWaiter.StartAsync(server.Settings, cancellation);
        await using var overHttp = new HttpWaiter(server.BaseAddress, tokens.Requester);
        var figures = new List<Figure>();
        foreach (var waiter in new Waiter[] { inCluster, overHttp })
        {
            // One batch first, not counted: the client's own first calls (JIT, connections, the observer's reference).
            await MeasureAsync(waiter, rest, tokens, Outstanding, run, cancellation);
            var samples = await MeasureAsync(waiter, rest, tokens, run.Count, run, cancellation);
            figures.AddRange(samples.Report(waiter.Name));
        }
        return figures;
    });

    private static async Task<Samples> MeasureAsync(Waiter waiter, ApprovalsClient rest, BenchTokens tokens, int count, ServerRun run,
        CancellationToken cancellationToken)
    {
        var body = ApprovalsClient.CreateBody("Wait latency", "PT1H");
        var samples = new Samples(count);
        for (var done = 0; done < count; done += Outstanding)
        {
            var size = Math.Min(Outstanding, count - done);
            var ids = new string[size];
            await Load.RunAsync(size, size, async (i, ct) => ids[i] = await rest.CreateAsync(tokens.Requester, body, ct), cancellationToken);

            var outstanding = waiter.Expect(ids);
            var returned = new DateTimeOffset[size];
            var waits = ids.Select((id, i) => Task.Run(async () =>
            {
                var status = await waiter.WaitAsync(id, WaitTimeout, cancellationToken);
                returned[i] = DateTimeOffset.UtcNow;
                return status;
            }, CancellationToken.None)).ToArray();
            var all = Task.WhenAll(waits);
            if (await Task.WhenAny(outstanding, all) == all)
            {
                await all;
                throw new BenchException($"{waiter.Name}: every wait returned before any request was decided.");
            }
            await outstanding;
            if (waits.FirstOrDefault(w => w.IsCompleted) is { } early)
            {
                var status = await early;
                throw new BenchException($"{waiter.Name}: a wait returned '{status.Status}' for {status.Id} before it was decided.");
            }

            var received = new DateTimeOffset[size];
            for (var i = 0; i < size; i++)
            {
                var sent = Stopwatch.GetTimestamp();
                await rest.ApproveAsync(tokens.Reviewer(i), ids[i], cancellationToken);
                received[i] = DateTimeOffset.UtcNow;
                samples.Approve.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
            }

            var statuses = await all;
            for (var i = 0; i < size; i++)
            {
                if (statuses[i] is not { Status: "approved", DecidedAt: { } decidedAt })
                {
                    run.Problems.Add($"{waiter.Name}: the wait for {ids[i]} returned {statuses[i]}, not the approval");
                    continue;
                }
                samples.FromDecidedAt.Add((returned[i] - decidedAt).TotalMilliseconds);
                samples.FromResponse.Add((returned[i] - received[i]).TotalMilliseconds);
            }
        }
        return samples;
    }

    /// <summary>One client's measurements, in ms.</summary>
    private sealed class Samples(int count)
    {
        public List<double> FromDecidedAt { get; } = new(count);

        public List<double> FromResponse { get; } = new(count);

        public List<double> Approve { get; } = new(count);

        public IReadOnlyList<Figure> Report(string client)
        {
            FromDecidedAt.Sort();
            FromResponse.Sort();
            Approve.Sort();
            var p50 = Stats.Percentile(FromDecidedAt, 50);
            var p99 = Stats.Percentile(FromDecidedAt, 99);
            var max = FromDecidedAt.Count == 0 ? double.NaN : FromDecidedAt[^1];
            Console.WriteLine($"{client,-10} {FromDecidedAt.Count:N0} waits, {Outstanding} outstanding: commit → return, from decided_at (upper bound) "
                + $"p50 {p50:N1} ms, p99 {p99:N1} ms, max {max:N1} ms (goal: p99 under {GoalP99Ms:0} ms: {(p99 < GoalP99Ms ? "met" : "NOT met")})");
            Console.WriteLine($"{"",-10} from the approve call's 200 (lower bound) p50 {Stats.Percentile(FromResponse, 50):N1} ms, "
                + $"p99 {Stats.Percentile(FromResponse, 99):N1} ms, max {(FromResponse.Count == 0 ? double.NaN : FromResponse[^1]):N1} ms; "
                + $"the approve call itself p50 {Stats.Percentile(Approve, 50):N1} ms, p99 {Stats.Percentile(Approve, 99):N1} ms");
            return
            [
                new Figure($"{client} p50", p50, "ms", Better.Lower, "N1"),
                new Figure($"{client} p99", p99, "ms", Better.Lower, "N1"),
                new Figure($"{client} max", max, "ms", Better.Lower, "N1"),
                new Figure($"{client} approve p99", Stats.Percentile(Approve, 99), "ms", Better.Lower, "N1"),
            ];
        }
    }

    /// <summary>A client that waits, and tells when each of a batch's waits is outstanding.</summary>
    private abstract class Waiter : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _expected = new(StringComparer.Ordinal);

        public abstract string Name { get; }

        /// <summary>Extra time after every wait reported itself outstanding.</summary>
        protected virtual TimeSpan Settle => TimeSpan.Zero;

        /// <summary>Completes once the waits on <paramref name="ids"/>, started after this call, are all outstanding.</summary>
        public async Task Expect(IReadOnlyList<string> ids)
        {
            var signals = ids.Select(id => _expected[id] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToList();
            await Task.WhenAll(signals.Select(s => s.Task));
            foreach (var id in ids)
            {
                _expected.TryRemove(id, out _);
            }
            if (Settle > TimeSpan.Zero)
            {
                await Task.Delay(Settle);
            }
        }

        public abstract Task<ApprovalStatusDto> WaitAsync(string id, TimeSpan timeout, CancellationToken cancellationToken);

        protected void IsOutstanding(string id)
        {
            if (_expected.TryGetValue(id, out var signal))
            {
                signal.TrySetResult();
            }
        }

        public abstract ValueTask DisposeAsync();
    }

    /// <summary>
    /// <see cref="ClusterApprovalsClient"/> joined to the server's cluster exactly as the sample worker joins it: bound
    /// from the server's own <c>Approvals__…</c> settings (its gateway on SQLite, its membership table on PostgreSQL).
    /// </summary>
    private sealed class ClusterWaiter : Waiter
    {
        private readonly IHost _host;
        private readonly ClusterApprovalsClient _client;

        private ClusterWaiter(IHost host)
        {
            _host = host;
            _client = host.Services.GetRequiredService<ClusterApprovalsClient>();
            _client.ObserverActivity += a =>
            {
                if (a.Kind == ObserverActivityKind.Subscribed)
                {
                    IsOutstanding(a.Id);
                }
            };
        }

        public override string Name => "in-cluster";

        public static async Task<ClusterWaiter> StartAsync(IReadOnlyDictionary<string, string> serverEnvironment, CancellationToken cancellationToken)
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            // As the environment-variables provider reads them: Approvals__Cluster__GatewayPort is Approvals:Cluster:GatewayPort.
            builder.Configuration.AddInMemoryCollection(serverEnvironment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value)));
            builder.Services.AddApprovalsClusterClient(options =>
            {
                options.BindServerSettings(builder.Configuration);
                // A workflow engine's service identity: it reads and waits; the decisions are people's, made over REST.
                options.Caller = new Caller(CallerKind.Key, "bench-waiter", "bench waiter", "default", [], ["approvals:read"], null);
            });
            var host = builder.Build();
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                host.Dispose();
                throw new BenchException($"The in-cluster client could not join the server's cluster (an Orleans build of the server is needed): {e.Message}");
            }
            return new ClusterWaiter(host);
        }

        public override Task<ApprovalStatusDto> WaitAsync(string id, TimeSpan timeout, CancellationToken cancellationToken) =>
            _client.WaitForDecisionAsync(id, timeout, cancellationToken);

        public override async ValueTask DisposeAsync()
        {
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    /// <summary><see cref="HttpApprovalsClient"/> around an HttpClient of the bench's, which sees each long-poll go out.</summary>
    private sealed class HttpWaiter : Waiter
    {
        private readonly HttpClient _http;
        private readonly HttpApprovalsClient _client;

        public HttpWaiter(Uri baseAddress, string token)
        {
            _http = new HttpClient(new SentSignal(this, new SocketsHttpHandler
            {
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                UseCookies = false,
            }))
            {
                BaseAddress = baseAddress,
                Timeout = TimeSpan.FromMinutes(3),
            };
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            _client = new HttpApprovalsClient(_http);
        }

        public override string Name => "http";

        protected override TimeSpan Settle => HttpSettle;

        public override Task<ApprovalStatusDto> WaitAsync(string id, TimeSpan timeout, CancellationToken cancellationToken) =>
            _client.WaitForDecisionAsync(id, timeout, cancellationToken);

        public override ValueTask DisposeAsync()
        {
            _http.Dispose();
            return ValueTask.CompletedTask;
        }

        /// <summary>Tells the waiter when the long-poll of <c>v1/approvals/{id}/status</c> is handed to the connection.</summary>
        private sealed class SentSignal(HttpWaiter waiter, HttpMessageHandler inner) : DelegatingHandler(inner)
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                // …/v1/approvals/{id}/status
                if (request.RequestUri?.Segments is [.., var id, "status"])
                {
                    waiter.IsOutstanding(Uri.UnescapeDataString(id.TrimEnd('/')));
                }
                return base.SendAsync(request, cancellationToken);
            }
        }
    }
}
