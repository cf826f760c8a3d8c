using System.CommandLine;
using Approvals.Cli.Output;
using Approvals.Client;
using Approvals.Contracts;

namespace Approvals.Cli.Commands;

/// <summary>list, count, show, approve, reject, cancel, extend, wait.</summary>
internal static class ApprovalCommands
{
    /// <summary>The exit code of <c>wait</c> when the time ran out with the request still pending.</summary>
    public const int StillPending = 3;

    private static readonly string[] Statuses = [.. Enum.GetValues<ApprovalStatus>().Select(WireNames.Of)];
    private static readonly string[] RiskLevels = [.. Enum.GetValues<RiskLevel>().Select(WireNames.Of)];

    public static IEnumerable<Command> Create() => [List(), Count(), Show(), Approve(), Reject(), Cancel(), Extend(), Wait()];

    private static Argument<string> Id() => new("id") { Description = "The approval request's id (apr_…)." };

    private static Option<long?> IfMatch() => new("--if-match")
    {
        Description = "Only if the request is still at this version (its ETag); else 412 precondition_failed.",
    };

    private static Command List()
    {
        var status = new Option<string?>("--status") { Description = "Only requests in this status." };
        status.AcceptOnlyFromAmong(Statuses);
        var risk = new Option<string?>("--risk-level") { Description = "Only requests of this risk level." };
        risk.AcceptOnlyFromAmong(RiskLevels);
        var agent = new Option<string?>("--agent-id") { Description = "Only requests filed for this agent." };
        var requestedBy = new Option<string?>("--requested-by") { Description = "Only requests filed by this principal id." };
        var workflow = new Option<string?>("--workflow-id") { Description = "Only requests of this workflow." };
        var after = new Option<DateTimeOffset?>("--created-after") { Description = "Only requests created after this time (ISO 8601).", CustomParser = Durations.ParseTime };
        var before = new Option<DateTimeOffset?>("--created-before") { Description = "Only requests created before this time (ISO 8601).", CustomParser = Durations.ParseTime };
        var limit = new Option<int>("--limit") { Description = "How many to show, newest first (pages are followed).", DefaultValueFactory = _ => 20 };
        limit.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 1) { r.AddError("--limit must be at least 1."); } });
        var all = new Option<bool>("--all") { Description = "Every matching request, however many." };
        var command = new Command("list", "List approval requests, newest first.") { status, risk, agent, requestedBy, workflow, after, before, limit, all };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            var take = parse.GetValue(all) ? int.MaxValue : parse.GetValue(limit);
            var query = new ApprovalListQuery
            {
                Status = WireNames.TryParseStatus(parse.GetValue(status), out var s) ? s : null,
                RiskLevel = WireNames.TryParseRiskLevel(parse.GetValue(risk), out var r) ? r : null,
                AgentId = parse.GetValue(agent),
                RequestedBy = parse.GetValue(requestedBy),
                WorkflowId = parse.GetValue(workflow),
                CreatedAfter = parse.GetValue(after),
                CreatedBefore = parse.GetValue(before),
                PageSize = Math.Min(take, 100),
            };
            var approvals = await client.ListAsync(query, ct).Take(take).ToListAsync(ct);
            if (print.Json)
            {
                print.WriteJson(approvals);
                return 0;
            }
            var table = new Table("id", "status", "risk", "title", "requested_by", "expires_at");
            foreach (var a in approvals)
            {
                table.Add(a.Id, a.Status, a.RiskLevel, a.Title, a.RequestedBy, Printer.Time(a.ExpiresAt));
            }
            table.WriteTo(print.Out);
            return 0;
        }));
        return command;
    }

    private static Command Count()
    {
        var status = new Option<string?>("--status") { Description = "Count only this status." };
        status.AcceptOnlyFromAmong(Statuses);
        var command = new Command("count", "Count approval requests, per status or of one status.") { status };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            IReadOnlyDictionary<ApprovalStatus, long> counts = WireNames.TryParseStatus(parse.GetValue(status), out var one)
                ? new Dictionary<ApprovalStatus, long> { [one] = await client.CountAsync(one, ct) }
                : await client.CountByStatusAsync(ct);
            if (print.Json)
            {
                print.WriteJson(counts.ToDictionary(c => WireNames.Of(c.Key), c => c.Value));
                return 0;
            }
            var table = new Table("status", "count");
            foreach (var (s, n) in counts)
            {
                table.Add(WireNames.Of(s), n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            table.WriteTo(print.Out);
            return 0;
        }));
        return command;
    }

    private static Command Show()
    {
        var id = Id();
        var command = new Command("show", "Show one approval request in full.") { id };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            Write(print, await client.GetAsync(parse.GetRequiredValue(id), ct));
            return 0;
        }));
        return command;
    }

    private static Command Approve()
    {
        var (id, note, ifMatch) = (Id(), new Option<string?>("--note") { Description = "Why; recorded with the decision." }, IfMatch());
        var command = new Command("approve", "Approve a request (people only; an API key never decides).") { id, note, ifMatch };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            Write(print, await client.ApproveAsync(parse.GetRequiredValue(id), parse.GetValue(note), Write(parse, ifMatch), ct));
            return 0;
        }));
        return command;
    }

    private static Command Reject()
    {
        var (id, reason, ifMatch) = (Id(), new Option<string?>("--reason") { Description = "Why; recorded with the decision." }, IfMatch());
        var command = new Command("reject", "Reject a request.") { id, reason, ifMatch };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            Write(print, await client.RejectAsync(parse.GetRequiredValue(id), parse.GetValue(reason), Write(parse, ifMatch), ct));
            return 0;
        }));
        return command;
    }

    private static Command Cancel()
    {
        var (id, reason, ifMatch) = (Id(), new Option<string?>("--reason") { Description = "Why it is withdrawn." }, IfMatch());
        var command = new Command("cancel", "Withdraw a pending request (its requester or an admin).") { id, reason, ifMatch };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            Write(print, await client.CancelAsync(parse.GetRequiredValue(id), parse.GetValue(reason), Write(parse, ifMatch), ct));
            return 0;
        }));
        return command;
    }

    private static Command Extend()
    {
        var id = Id();
        var at = new Option<DateTimeOffset?>("--expires-at") { Description = "The new deadline (ISO 8601).", CustomParser = Durations.ParseTime };
        var by = new Option<TimeSpan?>("--in") { Description = "The new deadline, from now (PT4H, or seconds).", CustomParser = r => Durations.Parse(r) };
        var ifMatch = IfMatch();
        var command = new Command("extend", "Move the deadline of a pending request (its requester or an admin).") { id, at, by, ifMatch };
        command.Validators.Add(r =>
        {
            if ((r.GetResult(at) is null) == (r.GetResult(by) is null))
            {
                r.AddError("Give exactly one of --expires-at and --in.");
            }
        });
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            var deadline = parse.GetValue(at) ?? DateTimeOffset.UtcNow + parse.GetValue(by)!.Value;
            Write(print, await client.ExtendAsync(parse.GetRequiredValue(id), deadline, Write(parse, ifMatch), ct));
            return 0;
        }));
        return command;
    }

    private static Command Wait()
    {
        var id = Id();
        var timeout = new Option<TimeSpan>("--timeout")
        {
            Description = $"How long to wait (PT10M, or seconds; default 5 minutes). Exit code {StillPending} if still pending then.",
            CustomParser = Durations.Parse,
            DefaultValueFactory = _ => TimeSpan.FromMinutes(5),
        };
        var command = new Command("wait", "Wait until a request is decided, then print its status.") { id, timeout };
        command.SetAction((parse, ct) => CliContext.WithClientAsync(parse, async (client, print) =>
        {
            var status = await client.WaitForDecisionAsync(parse.GetRequiredValue(id), parse.GetValue(timeout), ct);
            if (print.Json)
            {
                print.WriteJson(status);
            }
            else
            {
                print.Fields(("id", status.Id), ("status", status.Status), ("decided_at", Printer.Time(status.DecidedAt)),
                    ("decided_by", status.DecidedBy), ("note", status.DecisionNote), ("version", status.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }
            return status.Status == WireNames.Of(ApprovalStatus.Pending) ? StillPending : 0;
        }));
        return command;
    }

    private static WriteOptions Write(ParseResult parse, Option<long?> ifMatch) => new() { IfMatch = parse.GetValue(ifMatch) };

    internal static void Write(Printer print, ApprovalDto a)
    {
        if (print.Json)
        {
            print.WriteJson(a);
            return;
        }
        print.Fields(
            ("id", a.Id), ("status", a.Status), ("title", a.Title), ("summary", a.Summary),
            ("risk", $"{a.RiskLevel} ({a.RiskScore}), approval level {a.RequiredApprovalLevel}"),
            ("operation", a.RequestedOperation), ("target", a.Target), ("requested_by", a.RequestedBy), ("agent_id", a.AgentId),
            ("workflow", a.WorkflowId is null ? null : $"{a.WorkflowId} / {a.WorkflowStep}"),
            ("created_at", Printer.Time(a.CreatedAt)), ("expires_at", Printer.Time(a.ExpiresAt)),
            ("decided_at", Printer.Time(a.DecidedAt)), ("decided_by", a.DecidedBy), ("decision_note", a.DecisionNote),
            ("version", a.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("context", a.Context?.ToJsonString()));
        if (a.Decisions.Count > 0)
        {
            print.Out.WriteLine();
            var table = new Table("decision", "by", "at", "note");
            foreach (var d in a.Decisions)
            {
                table.Add(d.Decision, d.ByName is null ? d.By : $"{d.By} ({d.ByName})", Printer.Time(d.At), d.Note);
            }
            table.WriteTo(print.Out);
        }
    }
}
