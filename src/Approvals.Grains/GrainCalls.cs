using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Principals;
using Approvals.Grains.Abstractions;

namespace Approvals.Grains;

/// <summary>Between the core's principals and results and the grains' messages, both ways.</summary>
public static class GrainCalls
{
    /// <summary>
    /// The approval grain of <paramref name="id"/> in the caller's tenant, or null when no request can
    /// have that id (see <see cref="GrainKeys.IsId"/>): the caller gets a plain 404.
    /// </summary>
    public static IApprovalGrain? Approval(this IGrainFactory grains, Principal caller, string id) =>
        GrainKeys.IsId(id) ? grains.GetGrain<IApprovalGrain>(GrainKeys.Approval(caller.TenantId, id)) : null;

    /// <summary>The workflow grain of <paramref name="id"/> in the caller's tenant, or null when no run can have that id.</summary>
    public static IWorkflowGrain? Workflow(this IGrainFactory grains, Principal caller, string id) =>
        GrainKeys.IsId(id) ? grains.GetGrain<IWorkflowGrain>(GrainKeys.Workflow(caller.TenantId, id)) : null;

    /// <summary>The caller as a grain sees it: the same kind, id, tenant, roles, scopes and level.</summary>
    public static Caller ToCaller(this Principal principal) => principal.Kind switch
    {
        PrincipalKind.Person => new Caller(CallerKind.Person, principal.Id, principal.Name, principal.TenantId, [.. principal.Roles], [], principal.ApprovalLevel),
        PrincipalKind.ApiKey => new Caller(CallerKind.Key, principal.Id, principal.Name, principal.TenantId, [], [.. principal.Scopes], null),
        _ => Caller.System(principal.TenantId),
    };

    /// <summary>The principal a grain decides with.</summary>
    public static Principal ToPrincipal(this Caller caller) => caller.Kind switch
    {
        CallerKind.Person => Principal.Person(caller.Id, caller.Name, caller.Roles, caller.Tenant, caller.ApprovalLevel),
        CallerKind.Key => Principal.Key(caller.Id, caller.Name, caller.Scopes, caller.Tenant),
        CallerKind.System => Principal.System(caller.Tenant),
        _ => throw new ArgumentOutOfRangeException(nameof(caller), caller.Kind, "Unknown caller kind."),
    };

    /// <summary>A refusal as a grain sends it.</summary>
    public static CallError ToCallError(this DomainError error) => new(
        error.Code,
        error.Detail,
        error.CurrentStatus is { } status ? WireNames.Of(status) : null,
        error.CurrentVersion,
        error.Fields?.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal));

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

    /// <summary>A result as a grain replies with it.</summary>
    public static CallReply<T> ToCallReply<T>(this Result<T> result) where T : class =>
        result.IsSuccess ? CallReply<T>.Of(result.Value!) : CallReply<T>.Refused(result.Error!.ToCallError());
}
