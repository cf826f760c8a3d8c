using System.Globalization;

namespace Approvals.Bench.Rest;

/// <summary>Which way a figure improves, for reading a comparison.</summary>
public enum Better
{
    Higher,
    Lower,
}

/// <summary>One measured figure of a scenario, kept for the comparison table.</summary>
/// <param name="Format">.NET numeric format of the value.</param>
public sealed record Figure(string Name, double Value, string Unit, Better Better, string Format = "N0")
{
    public string Text => Value.ToString(Format, CultureInfo.InvariantCulture) + (Unit.Length > 0 ? " " + Unit : "");
}

/// <summary>What a REST scenario is run with: the backend, the server assembly, its n, and the run's cancellation.</summary>
public sealed record ServerRun(string Backend, string ServerDll, int Count, CancellationToken Cancellation)
{
    /// <summary>Correctness failures seen while measuring (printed at the end; the bench then exits with 1).</summary>
    public List<string> Problems { get; } = [];

    /// <summary>
    /// Starts the server of this run on a fresh database, runs <paramref name="body"/> against it and
    /// always ends it. A failure while it runs is reported with the tail of its log.
    /// </summary>
    public async Task<T> WithServerAsync<T>(Func<ServerProcess, Task<T>> body)
    {
        await using var server = await ServerProcess.StartAsync(ServerDll, Backend, Cancellation);
        Console.WriteLine($"server     ready after {server.ReadyAfter.TotalSeconds:0.00} s (pid {server.ProcessId}, {server.BaseAddress}, log {server.LogPath})");
        try
        {
            return await body(server);
        }
        catch (Exception e) when (e is not ServerFailedException && !(e is OperationCanceledException && Cancellation.IsCancellationRequested))
        {
            var what = e switch
            {
                BenchException => e.Message,
                // The connection broke or a request timed out: the server's state says more than a stack trace.
                HttpRequestException or TaskCanceledException => e.Message + (e.InnerException is { } inner ? $" ({inner.Message})" : ""),
                _ => e.ToString(),
            };
            throw server.Failure(await server.ExitCodeAsync(TimeSpan.FromSeconds(1)) is { } code
                ? $"The server exited with code {code} during the run: {what}"
                : what);
        }
    }
}

/// <summary>The server-process scenarios by name.</summary>
public static class RestScenarios
{
    /// <summary>Name → (default n, what n means, the scenario).</summary>
    public static readonly IReadOnlyDictionary<string, (int DefaultCount, string CountMeans, Func<ServerRun, Task<IReadOnlyList<Figure>>> Run)> All =
        new Dictionary<string, (int, string, Func<ServerRun, Task<IReadOnlyList<Figure>>>)>(StringComparer.Ordinal)
        {
            ["rest"] = (10_000, "approvals", RestThroughput.RunAsync),
            ["rest-deadlines"] = (10_000, "approvals", RestDeadlines.RunAsync),
            ["rest-pending"] = (100_000, "approvals", RestPending.RunAsync),
            ["startup"] = (3, "starts", Startup.RunAsync),
            ["wait-latency"] = (1_000, "waits per client", WaitLatency.RunAsync),
        };
}
