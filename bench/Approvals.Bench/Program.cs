using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Approvals.Bench;
using Approvals.Bench.Rest;

const string Usage = """
    usage: dotnet run -c Release --project bench/Approvals.Bench -- <sqlite|postgres> <scenario> [n] [--server <dll>] [--compare <dll>]

    scenarios (a server process over REST, on a fresh database each time):
      rest             n approvals created, then approved, by 64 concurrent clients: creates/s, approves/s, latency (n = 10000)
      rest-deadlines   n deadlines spread over 5 s: how late each expiry is applied, and none early (n = 10000)
      rest-pending     n pending approvals due in an hour: filing time and the server's RSS (n = 100000)
      startup          n starts: time to the first ready health check, idle RSS 5 s later; medians (n = 3)
      wait-latency     n waits per client, 50 outstanding, each request approved over REST: time from the decision's commit
                       to the return of WaitForDecisionAsync, for the in-cluster client (the server's gateway; its
                       membership table on PostgreSQL) and the HTTP client; p50, p99, max of the return minus the
                       server's decided_at (stamped just before the commit: an upper bound), and of the return minus
                       the receipt of the approve call's 200 (a lower bound) (n = 1000)
    and, on the store directly (no server):
      queries          list/count/event queries over n seeded approvals (n = 10000)

    --server <dll>     the server to run (approvals.dll, or its publish folder); default: this repository's
                       src/Approvals.Server, published first as it is deployed (Release, this machine's runtime, ReadyToRun)
    --compare <dll>    run the scenario against this server first (e.g. /work/baseline/approvals.dll), then
                       against --server, and print both figures and their ratio
    PostgreSQL: APPROVALS_BENCH_POSTGRES (or APPROVALS_TEST_POSTGRES) names a server where databases may be created.
    """;

var positional = new List<string>();
string? serverOption = null, compareOption = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--server" when i + 1 < args.Length:
            serverOption = args[++i];
            break;
        case "--compare" when i + 1 < args.Length:
            compareOption = args[++i];
            break;
        case "-h" or "--help":
            Console.WriteLine(Usage);
            return 0;
        default:
            if (args[i].StartsWith("--", StringComparison.Ordinal))
            {
                return Refuse($"unknown option or missing value: {args[i]}");
            }
            positional.Add(args[i]);
            break;
    }
}
if (positional.Count is < 2 or > 3)
{
    return Refuse("expected a backend and a scenario");
}
var backend = positional[0];
var scenario = positional[1];
if (backend is not ("sqlite" or "postgres"))
{
    return Refuse($"unknown backend '{backend}'");
}
int? count = null;
if (positional.Count == 3)
{
    if (!int.TryParse(positional[2], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < 1)
    {
        return Refuse($"n must be a positive whole number, not '{positional[2]}'");
    }
    count = parsed;
}

// Ctrl-C or SIGTERM: cancel the run so every server is ended and every database dropped on the way
// out; a second signal kills the servers and lets the bench die at once.
using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    if (stop.IsCancellationRequested)
    {
        ServerProcess.KillAll();
        return;
    }
    context.Cancel = true;
    Console.Error.WriteLine("stopping …");
    stop.Cancel();
}
using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
AppDomain.CurrentDomain.ProcessExit += (_, _) => ServerProcess.KillAll();

try
{
    if (scenario == "queries")
    {
        if (serverOption is not null || compareOption is not null)
        {
            return Refuse("queries runs on the store directly; --server and --compare are for the REST scenarios");
        }
        var n = count ?? 10_000;
        await using var target = await BenchTarget.OpenAsync(backend);
        Console.WriteLine($"backend {backend}, scenario {scenario}, n = {n:N0}, {Environment.ProcessorCount} cores");
        var total = Stopwatch.StartNew();
        await Queries.RunAsync(target, n);
        Console.WriteLine($"total {total.Elapsed.TotalSeconds:0.0} s");
        return 0;
    }
    if (!RestScenarios.All.TryGetValue(scenario, out var rest))
    {
        return Refuse($"unknown scenario '{scenario}'");
    }

    var runCount = count ?? rest.DefaultCount;
    Console.WriteLine($"backend {backend}, scenario {scenario}, n = {runCount:N0} {rest.CountMeans}, {Environment.ProcessorCount} cores");
    // The baseline is taken as given; only the default server is built.
    var baseline = compareOption is null ? null : await ServerBinary.ResolveAsync(compareOption, stop.Token);
    var current = await ServerBinary.ResolveAsync(serverOption, stop.Token);

    var runs = new List<(string Label, ServerRun Run, IReadOnlyList<Figure> Figures)>();
    foreach (var (label, dll) in baseline is null ? [("server", current)] : new[] { ("baseline", baseline), ("current", current) })
    {
        Console.WriteLine();
        Console.WriteLine($"== {label}: {dll}");
        var run = new ServerRun(backend, dll, runCount, stop.Token);
        var total = Stopwatch.StartNew();
        var figures = await rest.Run(run);
        Console.WriteLine($"total      {total.Elapsed.TotalSeconds:0.0} s");
        runs.Add((label, run, figures));
    }
    if (runs.Count == 2)
    {
        PrintComparison(runs[0].Figures, runs[1].Figures);
    }

    var problems = runs.SelectMany(r => r.Run.Problems.Select(p => $"{r.Label}: {p}")).ToList();
    foreach (var problem in problems)
    {
        Console.Error.WriteLine($"PROBLEM {problem}");
    }
    return problems.Count == 0 ? 0 : 1;
}
catch (Exception) when (stop.IsCancellationRequested)
{
    // Whatever broke on the way (a Ctrl-C reaches the server too, which may stop answering first) is the stop's doing.
    Console.Error.WriteLine("stopped; servers ended");
    return 130;
}
catch (BenchException failure)
{
    Console.Error.WriteLine($"FAILED: {failure.Message}");
    return 1;
}
finally
{
    ServerProcess.KillAll();
}

static int Refuse(string why)
{
    Console.Error.WriteLine(why);
    Console.Error.WriteLine(Usage);
    return 2;
}

static void PrintComparison(IReadOnlyList<Figure> baseline, IReadOnlyList<Figure> current)
{
    Console.WriteLine();
    Console.WriteLine($"{"figure",-26} {"baseline",16} {"current",16} {"current/baseline",17}");
    foreach (var before in baseline)
    {
        var after = current.FirstOrDefault(f => f.Name == before.Name);
        if (after is null)
        {
            Console.WriteLine($"{before.Name,-26} {before.Text,16} {"-",16}");
            continue;
        }
        var ratio = before.Value == 0 ? "-" : (after.Value / before.Value).ToString("0.00", CultureInfo.InvariantCulture);
        var better = before.Better switch
        {
            Better.Higher => "(higher is better)",
            Better.Lower => "(lower is better)",
            _ => "",
        };
        Console.WriteLine($"{before.Name,-26} {before.Text,16} {after.Text,16} {ratio,17}  {better}");
    }
    // Figures only one build reports (e.g. a probe the baseline cannot answer).
    foreach (var only in current.Where(f => baseline.All(b => b.Name != f.Name)))
    {
        Console.WriteLine($"{only.Name,-26} {"-",16} {only.Text,16}");
    }
}
