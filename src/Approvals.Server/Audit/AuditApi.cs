using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Approvals.Core;
using Approvals.Core.Events;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Server.Auth;
using Approvals.Server.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Approvals.Contracts;

namespace Approvals.Server.Audit;

/// <summary>The audit calls of API.md: list, export and hash-chain verification, admin only, within the caller's tenant.</summary>
public static class AuditApi
{
    private const int DefaultLimit = 50;
    private const int MaxLimit = 500;
    private const int ExportPageSize = 500;
    private const int VerifyPageSize = 1000;

    public static RouteGroupBuilder MapAuditApi(this IEndpointRouteBuilder routes)
    {
        // Admins only (403 for anyone else).
        var group = routes.MapGroup("/v1/audit").WithTags("Audit").RequireAuthorization().ProducesProblems(StatusCodes.Status403Forbidden);
        group.MapGet("", ListAsync).Produces<AuditListDto>();
        // One entry per line: JSON (format=jsonl, the default) or CSV rows under a header (format=csv).
        group.MapGet("/export", ExportAsync).Produces<string>(StatusCodes.Status200OK, "application/x-ndjson", "text/csv");
        group.MapGet("/verify", VerifyAsync).Produces<VerifyDto>();
        return group;
    }

    /// <summary>Whether <paramref name="caller"/> may read the audit trail (where requests came from): admins only.</summary>
    internal static bool MayRead(Principal caller) => caller.IsAdmin;

    /// <summary>A page of the tenant's events matching the filters, oldest first (the cursor moves forward in log order).</summary>
    private static async Task<IResult> ListAsync([AsParameters] AuditFilterParameters filters,
        [FromQuery(Name = "limit"), Description("Page size, 1–500 (default 50)."), RegularExpression("^[0-9]+$")] string? limit,
        HttpContext http, IAuditLog log, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("The audit trail is for admins."));
        }
        var parsed = ParseQuery(filters, limit, caller.TenantId);
        if (!parsed.IsSuccess)
        {
            return Problems.Result(parsed.Error!);
        }
        var page = await log.QueryAuditAsync(parsed.Value!, ct);
        var dto = new AuditListDto(page.Items.Select(AuditMapping.ToAuditEntry).ToList(), page.NextAfterSeq is { } next ? EncodeCursor(next) : null);
        return StoredResponse.Json(StatusCodes.Status200OK, dto).ToResult();
    }

    /// <summary>Every matching event, streamed page by page (memory stays flat however long the trail).</summary>
    private static async Task<IResult> ExportAsync([AsParameters] AuditFilterParameters filters,
        [FromQuery(Name = "format"), Description("jsonl (default) or csv."), AllowedValues("jsonl", "csv")] string? format,
        HttpContext http, IAuditLog log, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("The audit trail is for admins."));
        }
        format = format is { Length: > 0 } ? format : "jsonl";
        if (format is not ("jsonl" or "csv"))
        {
            return Problems.Result(Problems.Validation("format", "format must be jsonl or csv."));
        }
        var parsed = ParseQuery(filters, null, caller.TenantId);
        if (!parsed.IsSuccess)
        {
            return Problems.Result(parsed.Error!);
        }
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
        response.Headers.ContentDisposition = Downloads.Attachment($"audit-{caller.TenantId}.{format}");
        if (format == "csv")
        {
            await response.WriteAsync(CsvHeader, ct);
        }
        var query = parsed.Value! with { Limit = ExportPageSize };
        while (true)
        {
            var page = await log.QueryAuditAsync(query, ct);
            var text = new StringBuilder();
            foreach (var e in page.Items)
            {
                if (format == "csv")
                {
                    AppendCsv(text, e);
                }
                else
                {
                    text.Append(JsonSerializer.Serialize(e.ToAuditEntry(), WireJson.Options)).Append('\n');
                }
            }
            await response.WriteAsync(text.ToString(), ct);
            if (page.NextAfterSeq is not { } next)
            {
                break;
            }
            query = query with { AfterSeq = next };
        }
        return Results.Empty;
    }

    /// <summary>Walks the tenant's per-subject hash chains and names the first broken link in log order.</summary>
    private static async Task<IResult> VerifyAsync(HttpContext http, IAuditLog log, CancellationToken ct)
    {
        var caller = http.Caller();
        if (!MayRead(caller))
        {
            return Problems.Result(Problems.Forbidden("Verifying the audit trail is for admins."));
        }
        var result = await AuditVerifier.VerifyAsync(log, caller.TenantId, VerifyPageSize, ct);
        var dto = new VerifyDto(result.Broken is null, result.Checked,
            result.Broken is { } broken ? new BrokenLinkDto(broken.SubjectId, broken.EventId, broken.Reason) : null);
        return StoredResponse.Json(StatusCodes.Status200OK, dto).ToResult();
    }

    private const string CsvHeader = "seq,id,type,tenant_id,subject_id,actor,at,ip,user_agent,correlation_id,prev_hash,hash,data\r\n";

    private static void AppendCsv(StringBuilder text, EventRecord e)
    {
        string?[] fields =
        [
            e.Seq.ToString(CultureInfo.InvariantCulture), e.Id, e.Type, e.TenantId, e.SubjectId, e.Actor, WireJson.Format(e.At),
            e.Audit?.Ip, e.Audit?.UserAgent, e.Audit?.CorrelationId, e.PrevHash, e.Hash, e.DataJson,
        ];
        for (var i = 0; i < fields.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }
            text.Append(CsvField(fields[i]));
        }
        text.Append("\r\n");
    }

    // RFC 4180: quote a field holding a comma, quote or line break, doubling its quotes.
    private static string CsvField(string? value)
    {
        if (value is null)
        {
            return "";
        }
        // A cell a spreadsheet would read as a formula (=, +, -, @, tab, CR) is defused with a leading quote.
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    private static string EncodeCursor(long seq) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes("seq:" + seq.ToString(CultureInfo.InvariantCulture)));

    private static bool TryDecodeCursor(string text, out long seq)
    {
        seq = 0;
        try
        {
            var decoded = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(text));
            return decoded.StartsWith("seq:", StringComparison.Ordinal)
                && long.TryParse(decoded.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out seq);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The filters (and, for a page, its size: <paramref name="limit"/>) as a query; every bad value is a 400 naming it.</summary>
    private static Result<AuditQuery> ParseQuery(AuditFilterParameters query, string? limit, string tenantId)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? Text(string name) => (name == "limit" ? limit : query.Get(name)) is { Length: > 0 } v ? v : null;
        var result = new AuditQuery(tenantId) { SubjectId = Text("subject_id"), Actor = Text("actor"), Type = Text("type"), Limit = DefaultLimit };
        foreach (var (name, set) in new (string, Func<AuditQuery, DateTimeOffset, AuditQuery>)[]
        {
            ("from", (q, t) => q with { From = t }),
            ("to", (q, t) => q with { To = t }),
        })
        {
            if (Text(name) is { } timeText)
            {
                if (DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) { result = set(result, time); }
                else { errors[name] = [$"{name} must be an ISO 8601 time."]; }
            }
        }
        if (Text("limit") is { } limitText)
        {
            if (int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var size) && size is >= 1 and <= MaxLimit) { result = result with { Limit = size }; }
            else { errors["limit"] = [$"limit must be a whole number from 1 to {MaxLimit}."]; }
        }
        if (Text("cursor") is { } cursorText)
        {
            if (TryDecodeCursor(cursorText, out var seq)) { result = result with { AfterSeq = seq }; }
            else { errors["cursor"] = ["cursor is not one this API returned."]; }
        }
        return errors.Count > 0 ? DomainError.Validation(errors) : result;
    }
}

/// <summary>
/// The filters of the audit list and export, bound as text so that a bad value is a 400 naming it; the
/// attributes describe them for the OpenAPI document.
/// </summary>
public sealed record AuditFilterParameters(
    [property: FromQuery(Name = "subject_id"), Description("Only events of this approval or workflow.")] string? SubjectId,
    [property: FromQuery(Name = "actor"), Description("Only events caused by this principal id.")] string? Actor,
    [property: FromQuery(Name = "type"), Description("Only events of this type, such as approval.approved.")] string? Type,
    [property: FromQuery(Name = "from"), Description("Only events at or after this ISO 8601 time.")] string? From,
    [property: FromQuery(Name = "to"), Description("Only events up to this ISO 8601 time.")] string? To,
    [property: FromQuery(Name = "cursor"), Description("The next_cursor of the previous page.")] string? Cursor)
{
    /// <summary>A value by its query name.</summary>
    public string? Get(string name) => name switch
    {
        "subject_id" => SubjectId,
        "actor" => Actor,
        "type" => Type,
        "from" => From,
        "to" => To,
        "cursor" => Cursor,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a parameter of this query."),
    };
}
