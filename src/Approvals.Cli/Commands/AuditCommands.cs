using System.CommandLine;

namespace Approvals.Cli.Commands;

/// <summary>audit verify.</summary>
internal static class AuditCommands
{
    /// <summary>The exit code when a hash chain is broken.</summary>
    public const int Broken = 4;

    public static Command Create()
    {
        var verify = new Command("verify", $"Check the tenant's hash chains (admins only); exit code {Broken} names the first broken link.");
        verify.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            var result = await client.VerifyAuditAsync(ct);
            if (print.Json)
            {
                print.WriteJson(result);
            }
            else if (result.Ok)
            {
                print.Out.WriteLine($"ok: {result.Checked} events checked, every chain intact");
            }
            if (result.Broken is { } broken)
            {
                Console.Error.WriteLine($"broken_chain: {broken.SubjectId} at {broken.EventId}: {broken.Reason}");
            }
            return result.Ok ? 0 : Broken;
        }));
        return new Command("audit", "The audit trail.") { verify };
    }
}
