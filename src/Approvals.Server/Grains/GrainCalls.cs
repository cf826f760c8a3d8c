using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Principals;
using Approvals.Grains.Abstractions;

namespace Approvals.Server.Grains;

/// <summary>Between the gateway's authenticated principals and results and the grains' messages.</summary>
public static class GrainCalls
{
    /// <summary>
    /// The approval grain of <paramref name="id"/> in the caller's tenant, or null when no request can
    /// have that id (one with a '/', which a grain key cannot carry): the caller gets a plain 404.
    /// </summary>
    public static IApprovalGrain? Approval(this IGrainFactory grains, Principal caller, string id) =>
        IsId(id) ? grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(caller.TenantId, id)) : null;

    /// <summary>The workflow grain of <paramref name="id"/> in the caller's tenant, or null when no run can have that id.</summary>
    public static IWorkflowGrain? Workflow(this IGrainFactory grains, Principal caller, string id) =>
        IsId(id) ? grains.GetGrain<IWorkflowGrain>(GrainKeys.Workflow(caller.TenantId, id)) : null;

    /// <summary>The caller as a grain sees it: the same kind, id, tenant, roles, scopes and level.</summary>
    public static Caller ToCaller(this Principal principal) => principal.Kind switch
    {
        PrincipalKind.Person => new Caller(CallerKind.Person, principal.Id, principal.Name, principal.TenantId, [.. principal.Roles], [], principal.ApprovalLevel),
        PrincipalKind.ApiKey => new Caller(CallerKind.Key, principal.Id, principal.Name, principal.TenantId, [], [.. principal.Scopes], null),
        _ => Caller.System(principal.TenantId),
    };

    /// <summary>A grain's refusal as the domain error the problem mapping knows.</summary>
    public static DomainError ToDomainError(this CallError error) => new(error.Code, error.Detail)
    {
        CurrentStatus = error.CurrentStatus is { } status && WireNames.TryParseStatus(status, out var parsed) ? parsed : null,
        CurrentVersion = error.CurrentVersion,
        Fields = error.Fields,
    };

    /// <summary>The approval, or a refusal to send as a problem.</summary>
    public static Result<ApprovalDto> ToResult(this ApprovalReply reply) =>
        reply.Approval is { } approval ? approval : reply.Error!.ToDomainError();

    /// <summary>The workflow, or a refusal to send as a problem.</summary>
    public static Result<WorkflowDto> ToResult(this WorkflowReply reply) =>
        reply.Workflow is { } workflow ? workflow : reply.Error!.ToDomainError();

    private static bool IsId(string id) => id.Length > 0 && !id.Contains('/', StringComparison.Ordinal);
}
