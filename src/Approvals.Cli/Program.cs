using System.CommandLine;
using Approvals.Cli.Commands;
using Approvals.Client;

var root = new RootCommand("approvals: file, decide, wait for and follow approval requests on an Approvals server.");
CliContext.AddTo(root);
foreach (var command in ApprovalCommands.Create())
{
    root.Subcommands.Add(command);
}
root.Subcommands.Add(EventCommands.Tail());
root.Subcommands.Add(WorkflowCommands.Create());
root.Subcommands.Add(AuditCommands.Create());
root.Subcommands.Add(TokenCommand.Create());

try
{
    var parse = root.Parse(args);
    if (parse.Action is System.CommandLine.Invocation.ParseErrorAction parseError)
    {
        // The mistake on stderr, nothing on stdout (where a script reads results); --help shows the usage.
        parseError.ShowHelp = false;
    }
    // Exceptions are ours to report (below); a parse error prints itself and the usage, with our exit code.
    var exitCode = await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
}
catch (ApprovalsApiException refused)
{
    // The problem's stable code first, so a script can match it; the detail for the person.
    Console.Error.WriteLine($"{refused.Code}: {refused.Detail}");
    return ExitCodes.Refused;
}
catch (Exception unreachable) when (unreachable is HttpRequestException or Polly.ExecutionRejectedException)
{
    // No connection, or every attempt timed out, after the client's retries.
    Console.Error.WriteLine($"unreachable: {unreachable.Message}");
    return ExitCodes.Unreachable;
}
catch (OperationCanceledException)
{
    // Ctrl-C before the call finished.
    return ExitCodes.Interrupted;
}
catch (Exception error) when (error is UsageException or ArgumentException or InvalidOperationException)
{
    Console.Error.WriteLine($"usage: {error.Message}");
    return ExitCodes.Usage;
}

/// <summary>Exit codes other than 0 (success).</summary>
internal static class ExitCodes
{
    /// <summary>The server refused the call (its problem's code and detail are on stderr).</summary>
    public const int Refused = 1;

    /// <summary>The server could not be reached (after retries).</summary>
    public const int Unreachable = 2;

    /// <summary>Interrupted (Ctrl-C) before it finished, as shells count SIGINT.</summary>
    public const int Interrupted = 130;

    /// <summary>The command was called wrongly, or a setting it needs is wrong.</summary>
    public const int Usage = 64;
}
