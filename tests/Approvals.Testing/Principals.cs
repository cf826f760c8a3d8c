using Approvals.Core.Principals;

namespace Approvals.Testing;

/// <summary>Ready-made principals for tests.</summary>
public static class People
{
    public static Principal Requester(string id = "user_req", string tenant = Principal.DefaultTenant) =>
        Principal.Person(id, "Rita Requester", [Roles.Requester], tenant);

    public static Principal Reviewer(string id = "user_rev", string tenant = Principal.DefaultTenant) =>
        Principal.Person(id, "Rob Reviewer", [Roles.Reviewer], tenant);

    public static Principal Manager(string id = "user_mgr", string tenant = Principal.DefaultTenant) =>
        Principal.Person(id, "Mia Manager", [Roles.Manager], tenant);

    public static Principal SecurityManager(string id = "user_sec", string tenant = Principal.DefaultTenant) =>
        Principal.Person(id, "Sam Security", [Roles.SecurityManager], tenant);

    public static Principal Admin(string id = "user_adm", string tenant = Principal.DefaultTenant) =>
        Principal.Person(id, "Ada Admin", [Roles.Admin], tenant);

    public static Principal Viewer(string id = "user_view", string tenant = Principal.DefaultTenant) =>
        Principal.Person(id, "Vic Viewer", [Roles.Viewer], tenant);

    public static Principal AgentKey(string id = "key_agent", string tenant = Principal.DefaultTenant) =>
        Principal.Key(id, "build-agent", [Scopes.ApprovalsCreate, Scopes.ApprovalsRead], tenant);
}
