using System.CommandLine;
using Approvals.Cli.Output;

namespace Approvals.Cli.Commands;

/// <summary>tail: the live event stream.</summary>
internal static class EventCommands
{
    public static Command Tail()
    {
        var types = new Option<string[]>("--types")
        {
            Description = "Event types to show, comma-separated or repeated; * matches any run of characters (approval.*).",
            AllowMultipleArgumentsPerToken = false,
        };
        var after = new Option<string?>("--last-event-id") { Description = "Start right after this event instead of now." };
        var command = new Command("tail", "Print events as they happen, until Ctrl-C (reconnects by itself).") { types, after };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            var patterns = (parse.GetValue(types) ?? []).SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            try
            {
                await foreach (var e in client.StreamEventsAsync(patterns, parse.GetValue(after), ct))
                {
                    if (print.Json)
                    {
                        // One event per line (JSON Lines), so a script reads them as they come.
                        print.WriteJsonLine(e);
                    }
                    else
                    {
                        print.Out.WriteLine($"{Printer.Time(e.At)}  {e.Type,-27} {e.SubjectId}  {e.Actor ?? "-"}  {e.Id}");
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl-C is how a tail ends.
            }
            return 0;
        }));
        return command;
    }
}
