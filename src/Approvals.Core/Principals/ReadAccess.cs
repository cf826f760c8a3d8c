namespace Approvals.Core.Principals;

/// <summary>
/// Who may read approvals and workflows at all (the gateway's read endpoints, the inbox and the in-cluster
/// client's reads ask the same): a person with any role, a key with the resource's read scope or admin, the system.
/// Which ones they see is the tenant's business: every read is of the caller's own tenant.
/// </summary>
public static class ReadAccess
{
    /// <summary>Null when <paramref name="caller"/> may read approvals, else the 403 refusal.</summary>
    public static DomainError? CheckApprovals(Principal caller) =>
        MayRead(caller, Scopes.ApprovalsRead) ? null : DomainError.Forbidden("Reading approvals needs a role or the approvals:read scope.");

    /// <summary>Null when <paramref name="caller"/> may read workflows, else the 403 refusal.</summary>
    public static DomainError? CheckWorkflows(Principal caller) =>
        MayRead(caller, Scopes.WorkflowsRead) ? null : DomainError.Forbidden("Reading workflows needs a role or the workflows:read scope.");

    /// <summary>Whether <paramref name="caller"/> may read approvals.</summary>
    public static bool MayReadApprovals(Principal caller) => CheckApprovals(caller) is null;

    /// <summary>Whether <paramref name="caller"/> may read workflows.</summary>
    public static bool MayReadWorkflows(Principal caller) => CheckWorkflows(caller) is null;

    private static bool MayRead(Principal caller, string readScope) => caller.Kind switch
    {
        PrincipalKind.Person => caller.Roles.Count > 0,
        PrincipalKind.ApiKey => caller.Scopes.Contains(readScope) || caller.Scopes.Contains(Scopes.Admin),
        _ => true,
    };
}
