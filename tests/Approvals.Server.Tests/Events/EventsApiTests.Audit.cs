using System.Net;
using System.Text.Json.Nodes;
using Approvals.Server.Tests.Support;

namespace Approvals.Server.Tests.Events;

public abstract partial class EventsApiTests<TServer>
{
    [Testing.Storage.StoreFact]
    public async Task Audit_EntriesCarryActorIpUserAgentAndCorrelationId()
    {
        var reply = await Api.PostAsync("/v1/approvals", Requester, new JsonObject { ["title"] = "Traced", ["risk_score"] = 10 },
            ("User-Agent", "events-tests/1.0"), ("X-Correlation-Id", "corr-42"));
        var generated = await Api.PostAsync("/v1/approvals", Requester, new JsonObject { ["title"] = "Untraced", ["risk_score"] = 10 });

        Assert.Equal("corr-42", reply.Header("X-Correlation-Id"));
        Assert.False(string.IsNullOrEmpty(generated.Header("X-Correlation-Id")));
        var entries = await AuditAsync(Admin);
        Assert.Equal(2, entries.Count);
        Assert.Equal(reply.Json["id"]!.GetValue<string>(), entries[0]["subject_id"]!.GetValue<string>());
        Assert.Equal("rita", entries[0]["actor"]!.GetValue<string>());
        Assert.Equal(ServerFactory.CallerAddress.ToString(), entries[0]["ip"]!.GetValue<string>());
        Assert.Equal("events-tests/1.0", entries[0]["user_agent"]!.GetValue<string>());
        Assert.Equal("corr-42", entries[0]["correlation_id"]!.GetValue<string>());
        Assert.Equal(generated.Header("X-Correlation-Id"), entries[1]["correlation_id"]!.GetValue<string>());
    }

    [Testing.Storage.StoreFact]
    public async Task Audit_List_FiltersByEveryField_AndPagesWithACursor()
    {
        var first = await CreateApprovalAsync(Requester);
        var second = await CreateApprovalAsync(Requester);
        var approve = await Api.PostAsync($"/v1/approvals/{second}/approve", Reviewer, new JsonObject { ["note"] = "ok" });
        Assert.Equal(HttpStatusCode.OK, approve.Status);
        await CreateApprovalAsync(Outsider);

        var all = await AuditAsync(Admin);
        Assert.Equal(["approval.requested", "approval.requested", "approval.approved"], all.Select(e => e["type"]!.GetValue<string>()));
        Assert.Equal(Ids(all), Ids(await AuditAsync(Admin, limit: 1)));
        Assert.Equal([first], (await AuditAsync(Admin, $"subject_id={first}")).Select(e => e["subject_id"]!.GetValue<string>()));
        Assert.Equal([Ids(all).Last()], Ids(await AuditAsync(Admin, "actor=bob")));
        Assert.Equal([Ids(all).Last()], Ids(await AuditAsync(Admin, "type=approval.approved")));
        var approvedAt = all[2]["at"]!.GetValue<string>();
        Assert.Equal([Ids(all).Last()], Ids(await AuditAsync(Admin, $"from={Uri.EscapeDataString(approvedAt)}")));
        Assert.Equal(Ids(all).Take(2), Ids(await AuditAsync(Admin, $"to={Uri.EscapeDataString(approvedAt)}")));
        Assert.Empty(await AuditAsync(Admin, "actor=nobody"));

        var badCursor = await Api.GetAsync("/v1/audit?cursor=garbage", Admin);
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.Status);
    }

    [Testing.Storage.StoreFact]
    public async Task Audit_Export_StreamsJsonlAndCsv()
    {
        var id = await CreateApprovalAsync(Requester, "Report, \"quarterly\"", ("User-Agent", "agent, with \"quotes\""));
        await CancelAsync(Requester, id);
        var log = await AuditAsync(Admin);

        var jsonl = await Api.GetAsync("/v1/audit/export?format=jsonl", Admin);
        var csv = await Api.GetAsync("/v1/audit/export?format=csv", Admin);
        var bad = await Api.GetAsync("/v1/audit/export?format=xml", Admin);

        Assert.Equal(HttpStatusCode.OK, jsonl.Status);
        Assert.Equal("application/x-ndjson", jsonl.MediaType);
        var lines = jsonl.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(Ids(log), Ids(lines));
        Assert.Equal("agent, with \"quotes\"", lines[0]["user_agent"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.OK, csv.Status);
        Assert.Equal("text/csv", csv.MediaType);
        var rows = csv.Text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("seq,id,type,tenant_id,subject_id,actor,at,ip,user_agent,correlation_id,prev_hash,hash,data", rows[0], StringComparison.Ordinal);
        Assert.Equal(log.Count + 1, rows.Length);
        Assert.Contains(",\"agent, with \"\"quotes\"\"\",", rows[1], StringComparison.Ordinal);
        Assert.Contains(Ids(log).First(), rows[1], StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
    }

    [Testing.Storage.StoreFact]
    public async Task Audit_Export_ForATenantWithNonAsciiQuotesOrLineBreaks_Answers200WithAParseableFileName()
    {
        // The tenant is whatever a signed token says; the file name is built from it.
        foreach (var name in new[] { "café", "a\"b", "x\r\ny", "東京", "a\\", "50%;x" })
        {
            var tenant = $"{name}-{Guid.NewGuid():N}";
            var admin = new Caller("ada", "Ada Admin", tenant, ["admin", "requester"]);
            var id = await CreateApprovalAsync(admin);

            foreach (var format in new[] { "jsonl", "csv" })
            {
                var export = await Api.GetAsync($"/v1/audit/export?format={format}", admin);

                Assert.True(export.Status == HttpStatusCode.OK, $"{name} ({format}): {export}");
                Assert.Contains(id, export.Text, StringComparison.Ordinal);
                var raw = export.Header("Content-Disposition");
                Assert.NotNull(raw);
                // Printable ASCII only: Kestrel refuses any other response header value (the 500 of a
                // non-ASCII tenant), and a quote or line break could end the parameter or the header.
                Assert.True(raw.All(c => c is >= ' ' and <= '~'), $"{name} ({format}): {raw}");
                var disposition = System.Net.Http.Headers.ContentDispositionHeaderValue.Parse(raw);
                Assert.Equal("attachment", disposition.DispositionType);
                Assert.Equal($"audit-{tenant}.{format}", disposition.FileNameStar);
                Assert.Matches("^[A-Za-z0-9._-]+$", disposition.FileName);
                Assert.EndsWith($".{format}", disposition.FileName, StringComparison.Ordinal);
            }
        }
    }

    [Testing.Storage.StoreFact]
    public async Task Audit_Verify_IsOk_ThenNamesTheSubjectAndEventOfATamperedEvent()
    {
        var untouched = await CreateApprovalAsync(Requester);
        var victim = await CreateApprovalAsync(Requester);
        await CancelAsync(Requester, victim);
        await CancelAsync(Requester, untouched);

        var ok = await Api.GetAsync("/v1/audit/verify", Admin);
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.True(ok.Json["ok"]!.GetValue<bool>(), ok.Text);
        Assert.Equal(4, ok.Json["checked"]!.GetValue<long>());

        // Someone with database access rewrites the cancellation's payload.
        var cancellation = (await AuditAsync(Admin, $"subject_id={victim}&type=approval.cancelled")).Single();
        var eventId = cancellation["id"]!.GetValue<string>();
        Assert.Equal(1, await Server.ExecuteSqlAsync("UPDATE events SET data = @data WHERE id = @id;", ("data", "{\"reason\":\"forged\"}"), ("id", eventId)));

        var broken = await Api.GetAsync("/v1/audit/verify", Admin);

        Assert.Equal(HttpStatusCode.OK, broken.Status);
        Assert.False(broken.Json["ok"]!.GetValue<bool>(), broken.Text);
        Assert.Equal(victim, broken.Json["broken"]!["subject_id"]!.GetValue<string>());
        Assert.Equal(eventId, broken.Json["broken"]!["event_id"]!.GetValue<string>());
        Assert.Equal("hash_mismatch", broken.Json["broken"]!["reason"]!.GetValue<string>());
        // Another tenant's chains are its own.
        var elsewhere = await Api.GetAsync("/v1/audit/verify", Outsider);
        Assert.True(elsewhere.Json["ok"]!.GetValue<bool>(), elsewhere.Text);
    }

    [Testing.Storage.StoreFact]
    public async Task Audit_ForNonAdmins_Is403()
    {
        foreach (var path in new[] { "/v1/audit", "/v1/audit/export?format=csv", "/v1/audit/verify" })
        {
            var reply = await Api.GetAsync(path, Reviewer);
            Assert.True(reply.Status == HttpStatusCode.Forbidden, $"{path}: {reply}");
            Assert.Contains("forbidden", reply.Text, StringComparison.Ordinal);
        }
    }
}
