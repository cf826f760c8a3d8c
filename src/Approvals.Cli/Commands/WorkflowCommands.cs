using System.CommandLine;
using System.Globalization;
using Approvals.Cli.Output;
using Approvals.Client;
using Approvals.Contracts;

namespace Approvals.Cli.Commands;

/// <summary>workflows list | show | cancel.</summary>
internal static class WorkflowCommands
{
    private static readonly string[] Statuses = ["active", "waiting_approval", "waiting_task", "delayed", "completed", "failed", "cancelled"];

    public static Command Create() => new("workflows", "Workflow runs.") { List(), Show(), Cancel() };

    private static Command List()
    {
        var status = new Option<string?>("--status") { Description = "Only workflows in this status." };
        status.AcceptOnlyFromAmong(Statuses);
        var limit = new Option<int>("--limit") { Description = "How many to show (pages are followed).", DefaultValueFactory = _ => 20 };
        limit.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) { r.AddError("--limit must be at least 1."); } });
        var all = new Option<bool>("--all") { Description = "Every matching workflow, however many." };
        var command = new Command("list", "List workflows, newest first.") { status, limit, all };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            var take = parse.GetValue(all) ? int.MaxValue : parse.GetValue(limit);
            var query = new WorkflowListQuery { Status = parse.GetValue(status), PageSize = Math.Min(take, 100) };
            var workflows = await client.ListWorkflowsAsync(query, ct).Take(take).ToListAsync(ct);
            if (print.Json)
            {
                print.WriteJson(workflows);
                return 0;
            }
            var table = new Table("id", "status", "name", "current_step", "waiting_on", "updated_at");
            foreach (var w in workflows)
            {
                table.Add(w.Id, w.Status, w.Name, w.CurrentStep, w.PendingApprovalId, Printer.Time(w.UpdatedAt));
            }
            table.WriteTo(print.Out);
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "The workflow's id (wf_…)." };
        var command = new Command("show", "Show one workflow, with its step runs.") { id };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            Write(print, await client.GetWorkflowAsync(parse.GetRequiredValue(id), ct));
            return 0;
        }));
        return command;
    }

    private static Command Cancel()
    {
        var id = new Argument<string>("id") { Description = "The workflow's id (wf_…)." };
        var reason = new Option<string?>("--reason") { Description = "Why it is cancelled." };
        var ifMatch = new Option<long?>("--if-match") { Description = "Only if the workflow is still at this version; else 412 precondition_failed." };
        var command = new Command("cancel", "Cancel a workflow and the approval it waits on.") { id, reason, ifMatch };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            Write(print, await client.CancelWorkflowAsync(parse.GetRequiredValue(id), parse.GetValue(reason), new WriteOptions { IfMatch = parse.GetValue(ifMatch) }, ct));
            return 0;
        }));
        return command;
    }

    private static void Write(Printer print, WorkflowDto w)
    {
        if (print.Json)
        {
            print.WriteJson(w);
            return;
        }
        print.Fields(("id", w.Id), ("name", w.Name), ("status", w.Status), ("current_step", w.CurrentStep), ("next_step", w.NextStep),
            ("waiting_on", w.PendingApprovalId), ("wake_at", Printer.Time(w.WakeAt)), ("created_by", w.CreatedBy),
            ("created_at", Printer.Time(w.CreatedAt)), ("updated_at", Printer.Time(w.UpdatedAt)),
            ("version", w.Version.ToString(CultureInfo.InvariantCulture)), ("input", w.Input.ToJsonString()));
        print.Out.WriteLine();
        var history = new Table("run", "step", "outcome", "approval", "started_at", "ended_at", "output_or_error");
        foreach (var run in w.History)
        {
            history.Add(run.Run.ToString(CultureInfo.InvariantCulture), run.Step, run.Outcome, run.ApprovalId, Printer.Time(run.StartedAt),
                Printer.Time(run.EndedAt), run.Error ?? run.Output?.ToJsonString());
        }
        history.WriteTo(print.Out);
    }
}
