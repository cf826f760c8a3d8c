namespace Approvals.Grains.Abstractions;

/// <summary>What kind of principal calls: a person (token), a service (API key) or the system itself.</summary>
public enum CallerKind
{
    Person = 0,
    Key = 1,
    System = 2,
}

/// <summary>
/// Who makes a grain call, as authenticated by the gateway or an in-cluster client: the grain decides
/// with it (roles, level, tenant, kind), exactly as the gateway did before grains.
/// </summary>
/// <param name="Kind">Person, key or system.</param>
/// <param name="Id">A person's <c>sub</c>, a key's id, or <c>system</c>.</param>
/// <param name="Name">A display name, if any.</param>
/// <param name="Tenant">The caller's tenant.</param>
/// <param name="Roles">A person's roles (API.md's role names).</param>
/// <param name="Scopes">A key's scopes.</param>
/// <param name="ApprovalLevel">A person's approval level from their token, if it carries one.</param>
[GenerateSerializer, Immutable, Alias("approvals.Caller")]
public sealed record Caller(CallerKind Kind, string Id, string? Name, string Tenant, string[] Roles, string[] Scopes, int? ApprovalLevel)
{
    /// <summary>The system acting on its own (deadlines, workflows).</summary>
    public static Caller System(string tenant) => new(CallerKind.System, "system", "Approvals", tenant, [], [], null);
}
