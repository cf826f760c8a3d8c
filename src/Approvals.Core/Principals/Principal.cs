namespace Approvals.Core.Principals;

/// <summary>Whether a principal is a person (JWT) or a machine credential (API key).</summary>
public enum PrincipalKind
{
    /// <summary>A human, authenticated by a token; the only kind that may decide.</summary>
    Person,
    /// <summary>An agent or service, authenticated by an API key; never decides.</summary>
    ApiKey,
    /// <summary>Approvals itself (timers, policies).</summary>
    System,
}

/// <summary>Who performs a command: a person or a key, scoped to one tenant.</summary>
/// <param name="Id">The user id (<c>sub</c>) or the key id.</param>
/// <param name="Name">Display name, if known.</param>
/// <param name="Kind">Person, API key or the system.</param>
/// <param name="TenantId">The tenant (workspace) the principal acts in.</param>
/// <param name="Roles">Roles of a person (<see cref="Principals.Roles"/>).</param>
/// <param name="ApprovalLevel">The <c>approval_level</c> claim (1–4), if present.</param>
/// <param name="Scopes">Scopes of an API key (<see cref="Principals.Scopes"/>).</param>
public sealed record Principal(
    string Id,
    string? Name,
    PrincipalKind Kind,
    string TenantId,
    IReadOnlySet<string> Roles,
    int? ApprovalLevel,
    IReadOnlySet<string> Scopes)
{
    /// <summary>The tenant used when a token names none.</summary>
    public const string DefaultTenant = "default";

    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    /// <summary>A person with the given roles.</summary>
    public static Principal Person(string id, string? name, IEnumerable<string> roles, string tenantId = DefaultTenant, int? approvalLevel = null) =>
        new(id, name, PrincipalKind.Person, tenantId, new HashSet<string>(roles, StringComparer.Ordinal), approvalLevel, None);

    /// <summary>An API key with the given scopes.</summary>
    public static Principal Key(string keyId, string? name, IEnumerable<string> scopes, string tenantId = DefaultTenant) =>
        new(keyId, name, PrincipalKind.ApiKey, tenantId, None, null, new HashSet<string>(scopes, StringComparer.Ordinal));

    /// <summary>Approvals itself, acting on a tenant's resource (expiry, escalation).</summary>
    public static Principal System(string tenantId) =>
        new("system", "Approvals", PrincipalKind.System, tenantId, None, null, None);

    /// <summary>
    /// True when this is the principal a state records as <paramref name="kind"/> and <paramref name="id"/>.
    /// A person's <c>sub</c> is chosen by the identity provider and a key's id by us, so the two can be
    /// equal: an id alone names no one.
    /// </summary>
    public bool Is(PrincipalKind kind, string id) => Kind == kind && string.Equals(Id, id, StringComparison.Ordinal);

    /// <summary>
    /// The kind of a principal that a state stored before kinds were recorded names by id alone. Key ids
    /// are minted as <c>key_…</c> (see the API keys endpoint); people and keys were the only ones who
    /// filed requests or started workflows, so every other id is a person's.
    /// </summary>
    public static PrincipalKind KindOfUntypedId(string id) =>
        id.StartsWith("key_", StringComparison.Ordinal) ? PrincipalKind.ApiKey : PrincipalKind.Person;

    /// <summary>True when the principal holds the role.</summary>
    public bool HasRole(string role) => Roles.Contains(role);

    /// <summary>True for a person with the admin role or a key with the admin scope.</summary>
    public bool IsAdmin => Kind switch
    {
        PrincipalKind.Person => HasRole(Principals.Roles.Admin),
        PrincipalKind.ApiKey => Scopes.Contains(Principals.Scopes.Admin),
        _ => false,
    };
}

/// <summary>The roles of API.md and what they imply.</summary>
public static class Roles
{
    public const string Viewer = "viewer";
    public const string Requester = "requester";
    public const string Reviewer = "reviewer";
    public const string Manager = "manager";
    public const string SecurityManager = "security_manager";
    public const string Admin = "admin";

    /// <summary>Every role the system knows.</summary>
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        Viewer, Requester, Reviewer, Manager, SecurityManager, Admin,
    };

    /// <summary>Roles that may decide approvals, with the approval level each grants by default.</summary>
    public static IReadOnlyDictionary<string, int> DeciderLevels { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        [Reviewer] = 1,
        [Manager] = 2,
        [SecurityManager] = 3,
        [Admin] = 4,
    };

    /// <summary>Roles that may file a request: requester and every role above it.</summary>
    public static IReadOnlySet<string> Filers { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        Requester, Reviewer, Manager, SecurityManager, Admin,
    };
}

/// <summary>The scopes an API key may carry.</summary>
public static class Scopes
{
    public const string ApprovalsRead = "approvals:read";
    public const string ApprovalsCreate = "approvals:create";
    public const string WorkflowsRead = "workflows:read";
    public const string WorkflowsWrite = "workflows:write";
    public const string EventsRead = "events:read";
    public const string Admin = "admin";
}
