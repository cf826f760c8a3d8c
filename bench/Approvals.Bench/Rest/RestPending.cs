namespace Approvals.Bench.Rest;

/// <summary>
/// <c>rest-pending</c>: n requests left pending, due in an hour (a server holding many open requests);
/// how long filing them took, and what the server process looks like afterwards (see <see cref="AfterFiling"/>).
/// </summary>
public static class RestPending
{
    private const double MiB = 1024 * 1024;

    /// <summary>
    /// What is read from the server once the requests are pending. A probe answers null when the server
    /// build under test does not offer that figure, and it is printed as not reported rather than guessed,
    /// so one list serves the builds before and after the Orleans move. This is the place for figures of
    /// one build only, such as the time the Orleans build takes to refresh its reminder table.
    /// </summary>
    private static readonly ServerProbe[] AfterFiling =
    [
        new("RSS", (server, _, _) => Task.FromResult<Figure?>(new Figure("RSS", server.ResidentBytes() / MiB, "MiB", Better.Lower, "N1"))),
        new("peak RSS", (server, _, _) => Task.FromResult<Figure?>(new Figure("peak RSS", server.PeakResidentBytes() / MiB, "MiB", Better.Lower, "N1"))),
    ];

    public static Task<IReadOnlyList<Figure>> RunAsync(ServerRun run) => run.WithServerAsync<IReadOnlyList<Figure>>(async server =>
    {
        var cancellation = run.Cancellation;
        var tokens = server.Tokens;
        using var client = new ApprovalsClient(server.BaseAddress, Load.Clients);
        await Warmup.RunAsync(client, tokens, cancellation);
        var before = server.ResidentBytes() / MiB;
        Console.WriteLine($"RSS        {before:N1} MiB before filing");

        var body = ApprovalsClient.CreateBody("Pending request", "PT1H");
        var created = await Load.RunAsync(run.Count, Load.Clients, (i, ct) => client.CreateAsync(tokens.Requester, body, ct), cancellation);
        Console.WriteLine(created.Describe("create"));
        List<Figure> figures =
        [
            new Figure("filing time", created.Elapsed.TotalSeconds, "s", Better.Lower, "N2"),
            new Figure("creates/s", created.PerSecond, "/s", Better.Higher),
            new Figure("RSS before filing", before, "MiB", Better.Lower, "N1"),
        ];
        foreach (var probe in AfterFiling)
        {
            var figure = await probe.Read(server, client, cancellation);
            Console.WriteLine($"{probe.Name,-10} {figure?.Text ?? "not reported by this server"}{(figure is null ? "" : $" with {run.Count:N0} pending")}");
            if (figure is not null)
            {
                figures.Add(figure with { Name = $"{figure.Name} after filing" });
            }
        }

        // The server's own count: every request filed is pending.
        var pending = await client.CountAsync(tokens.Reviewer(0), "pending", cancellation);
        if (pending != run.Count)
        {
            run.Problems.Add($"the server counts {pending:N0} pending requests; {run.Count:N0} were filed");
        }
        return figures;
    });
}

/// <summary>A figure read from a running server, or null when that server does not offer it.</summary>
public sealed record ServerProbe(string Name, Func<ServerProcess, ApprovalsClient, CancellationToken, Task<Figure?>> Read);
