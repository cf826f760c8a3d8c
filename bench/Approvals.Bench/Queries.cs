namespace Approvals.Bench;

public static class Queries
{
    public static Task RunAsync(BenchTarget target, int count) => Task.CompletedTask;
}
