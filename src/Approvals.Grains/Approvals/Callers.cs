using Approvals.Contracts;
using Approvals.Core;
using Approvals.Core.Principals;
using Approvals.Grains.Abstractions;

namespace Approvals.Grains.Approvals;

/// <summary>Between the grain messages and the core's types.</summary>
internal static class Callers
{
    public static Principal ToPrincipal(this Caller caller) => caller.Kind switch
    {
        CallerKind.Person => Principal.Person(caller.Id, caller.Name, caller.Roles, caller.Tenant, caller.ApprovalLevel),
        CallerKind.Key => Principal.Key(caller.Id, caller.Name, caller.Scopes, caller.Tenant),
        CallerKind.System => Principal.System(caller.Tenant),
        _ => throw new ArgumentOutOfRangeException(nameof(caller), caller.Kind, "Unknown caller kind."),
    };

    public static CallError ToCallError(this DomainError error) => new(
        error.Code,
        error.Detail,
        error.CurrentStatus is { } status ? WireNames.Of(status) : null,
        error.CurrentVersion,
        error.Fields?.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal));
}
