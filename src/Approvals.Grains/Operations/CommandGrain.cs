using System.Security.Cryptography;
using System.Text.Json;
using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Grains.Abstractions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Approvals.Grains.Operations;

/// <summary>
/// The gateway's writes for in-cluster clients, with an Idempotency-Key kept as the gateway's middleware keeps it:
/// the key is claimed before the call (<see cref="IdempotentRequests"/>), the grain commits the reply with the state
/// change it causes (the ticket), a refusal or a reply that changed nothing is stored after, and a repeat of the
/// same call replays what the first one got. Stateless and reentrant: it holds nothing, and a wait for an earlier
/// call with the same key never queues another.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class CommandGrain(IIdempotencyStore store, TimeProvider clock, IOptions<IdempotencyOptions> idempotency, ILogger<CommandGrain> logger)
    : Grain, ICommandGrain
{
    /// <summary>
    /// The longest one call waits for an earlier call with its key: well within Orleans' response timeout (30 s).
    /// A client told idempotency_key_in_use sooner than <see cref="IdempotentRequests.MaxWaitForFirst"/> asks again.
    /// </summary>
    public static readonly TimeSpan MaxWaitSlice = TimeSpan.FromSeconds(20);

    public Task<CallReply<ApprovalDto>> ExecuteApprovalAsync(Caller caller, string id, ApprovalCall call, CommandOptions options)
    {
        var by = caller.ToPrincipal();
        // A create's id is minted afresh by each attempt, so the key stands for the request without it (as the gateway's, whose path has none).
        var create = call is ApprovalCall.Create;
        return IdempotentAsync(by, options.IdempotencyKey, ["approval", create ? null : id, call], create ? 201 : 200, grainStoresReply: true,
            ticket => ExecuteAsync(by, id, call, new CallOptions(options.IfMatch, ticket)));
    }

    public Task<CallReply<WorkflowDto>> ExecuteWorkflowAsync(Caller caller, string id, WorkflowCall call, CommandOptions options)
    {
        var by = caller.ToPrincipal();
        var start = call is WorkflowCall.Start;
        return IdempotentAsync(by, options.IdempotencyKey, ["workflow", start ? null : id, call], start ? 201 : 200, grainStoresReply: true,
            async ticket => GrainFactory.Workflow(by, id) is { } grain
                ? (await grain.ExecuteAsync(caller, call, new CallOptions(options.IfMatch, ticket))).ToResult()
                : WorkflowOperations.NotFound(id));
    }

    public Task<CallReply<ApprovalDto>> DecideWorkflowApprovalAsync(Caller caller, string workflowId, ApprovalCall decision, CommandOptions options)
    {
        var by = caller.ToPrincipal();
        return IdempotentAsync(by, options.IdempotencyKey, ["workflow-approval", workflowId, decision], 200, grainStoresReply: true, async ticket =>
        {
            if (ApprovalOperations.CheckDecision(decision, "action") is { } notADecision)
            {
                return notADecision;
            }
            // The approval calls' rules decide (no If-Match: the caller knows no approval version), as over HTTP.
            var approvalId = await WorkflowOperations.ApprovalToDecideAsync(GrainFactory, by, workflowId);
            return approvalId.IsSuccess ? await ExecuteAsync(by, approvalId.Value!, decision, new CallOptions(null, ticket)) : approvalId.Error!;
        });
    }

    public Task<CallReply<BulkResponseDto>> DecideEachAsync(Caller caller, string[] ids, ApprovalCall decision, CommandOptions options)
    {
        var by = caller.ToPrincipal();
        // Many grains' writes answer one bulk call: its reply is stored after them, as the gateway stores it.
        return IdempotentAsync<BulkResponseDto>(by, options.IdempotencyKey, ["approvals-bulk", ids, decision], 200, grainStoresReply: false, async _ =>
        {
            if ((ApprovalOperations.RefuseBulk(by) ?? ApprovalOperations.CheckDecision(decision, "decision") ?? ApprovalOperations.CheckBulkIds(ids)) is { } refused)
            {
                return refused;
            }
            return new BulkResponseDto(await ApprovalOperations.DecideEachAsync(GrainFactory, by, ids, decision));
        });
    }

    private async Task<Result<ApprovalDto>> ExecuteAsync(Principal by, string id, ApprovalCall call, CallOptions options) =>
        GrainFactory.Approval(by, id) is { } grain ? (await grain.ExecuteAsync(by.ToCaller(), call, options)).ToResult() : DomainError.NotFound(id);

    /// <summary>
    /// Runs <paramref name="run"/> under <paramref name="key"/> (when given) for the request <paramref name="request"/>
    /// describes. <paramref name="grainStoresReply"/>: a success was committed with its reply by the grain that made it.
    /// </summary>
    private async Task<CallReply<T>> IdempotentAsync<T>(Principal by, string? key, object?[] request, int successStatus, bool grainStoresReply,
        Func<IdempotencyTicket?, Task<Result<T>>> run) where T : class
    {
        if (key is null)
        {
            return (await run(null)).ToCallReply();
        }
        if (IdempotentRequests.CheckKey(key) is { } badKey)
        {
            return CallReply<T>.Refused(badKey.ToCallError());
        }
        var scope = IdempotentRequests.Scope(by);
        var hash = Hash(request);
        var start = await IdempotentRequests.BeginAsync(store, clock, scope, key, hash, idempotency.Value.IdempotencyRetention, MaxWaitSlice,
            CancellationToken.None);
        switch (start)
        {
            case IdempotencyStart.Refused refused:
                return CallReply<T>.Refused(refused.Error.ToCallError());
            case IdempotencyStart.Replay replay:
                return Replayed<T>(replay.Response);
        }
        var ticket = new IdempotencyTicket(scope, key, hash, ((IdempotencyStart.Run)start).ExpiresAt, successStatus);
        Result<T> result;
        try
        {
            result = await run(ticket);
        }
        catch
        {
            // Nothing to replay (a lost call, a write that kept losing its race): a retry runs the request again.
            await store.AbandonAsync(scope, key, CancellationToken.None);
            throw;
        }
        if (!(result.IsSuccess && grainStoresReply))
        {
            await StoreAsync(scope, key, result.IsSuccess
                ? StoredResponse.Json(successStatus, result.Value!)
                : StoredResponse.Problem(result.Error!.ToCallError().ToProblem()));
        }
        return result.ToCallReply();
    }

    private async Task StoreAsync(string scope, string key, StoredResponse reply)
    {
        try
        {
            if (IdempotentRequests.IsReplayable(reply.Status))
            {
                await store.CompleteAsync(scope, key, reply.Status, reply.Serialize(), CancellationToken.None);
            }
            else
            {
                await store.AbandonAsync(scope, key, CancellationToken.None);
            }
        }
        catch (Exception error)
        {
            // The caller gets its reply all the same; a retry finds the reservation and, after the take-over time, runs
            // again: the request is refused or repeated, never lost (as on the gateway).
            logger.LogWarning(error, "Could not store the idempotent reply for key {Key}.", key);
        }
    }

    /// <summary>A stored reply as the call's own: the value of a success, or the refusal its problem describes.</summary>
    private static CallReply<T> Replayed<T>(StoredResponse reply) where T : class =>
        reply.Status < 400
            ? CallReply<T>.Of(JsonSerializer.Deserialize<T>(reply.Body, WireJson.Options) ?? throw new JsonException("A stored reply was empty."))
            : CallReply<T>.Refused(CallError.FromProblem(JsonSerializer.Deserialize<ApiProblem>(reply.Body, WireJson.Options)
                ?? throw new JsonException("A stored refusal was empty.")));

    /// <summary>
    /// The hash of an in-cluster request: what it does, to which resource, with what (its If-Match aside, as the
    /// gateway's hash leaves headers aside). It starts with "cluster", so it never equals an HTTP request's hash:
    /// a key used over HTTP and then here is another request, refused as a reused key rather than run twice.
    /// </summary>
    private static string Hash(object?[] request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes<object?[]>(["cluster", .. request], WireJson.Options)));
}
