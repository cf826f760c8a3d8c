using System.Diagnostics;
using Approvals.Bench;

// Usage: dotnet run -c Release --project bench/Approvals.Bench -- [sqlite|postgres] [scenario] [count]
//   scenarios: queries (default)
// PostgreSQL reads its connection string from APPROVALS_BENCH_POSTGRES (or APPROVALS_TEST_POSTGRES).
var backend = args.ElementAtOrDefault(0) ?? "sqlite";
var scenario = args.ElementAtOrDefault(1) ?? "queries";
var count = int.Parse(args.ElementAtOrDefault(2) ?? "10000", System.Globalization.CultureInfo.InvariantCulture);

await using var target = await BenchTarget.OpenAsync(backend);
Console.WriteLine($"backend {backend}, scenario {scenario}, n = {count:N0}, {Environment.ProcessorCount} cores");
var total = Stopwatch.StartNew();
switch (scenario)
{
    case "queries":
        await Queries.RunAsync(target, count);
        break;
    default:
        Console.Error.WriteLine($"unknown scenario '{scenario}'");
        return 2;
}
Console.WriteLine($"total {total.Elapsed.TotalSeconds:0.0} s");
return 0;
