using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Storage;
using Approvals.Core.Tests.TestSupport;
using Approvals.Core.Workflows;
using Approvals.Testing;

namespace Approvals.Core.Tests.Storage;

/// <summary>
/// States stored before the requester's (or a workflow creator's) kind was recorded still load, and
/// still belong to whoever filed or started them: the kind is inferred from the id.
/// </summary>
public class StateJsonCompatibilityTests
{
    private readonly ApprovalHarness _h = new();

    private static readonly Principal Key = People.AgentKey("key_01jz8k3agent0000000000000");

    private static readonly Principal KeysNamesake = Principal.Person(Key.Id, "Nate Namesake", [Roles.Requester, Roles.Reviewer]);

    public static TheoryData<string> Filers() => new("key", "person");

    private static Principal Filer(string which) => which == "key" ? Key : ApprovalHarness.Requester;

    [Theory]
    [MemberData(nameof(Filers))]
    public void ApprovalState_RoundTripsTheRequestersKind(string which)
    {
        var state = _h.Pending(requestedBy: Filer(which));

        var loaded = ApprovalStateJson.Deserialize(ApprovalStateJson.Serialize(state));

        Assert.Equal(Filer(which).Kind, loaded.RequestedByKind);
        Assert.Equal(ApprovalStateJson.Serialize(state), ApprovalStateJson.Serialize(loaded));
    }

    [Theory]
    [MemberData(nameof(Filers))]
    public void ApprovalState_StoredWithoutTheRequestersKind_LoadsAndStaysTheFilers(string which)
    {
        var filer = Filer(which);
        var legacy = WithoutProperty(ApprovalStateJson.Serialize(_h.Pending(requestedBy: filer)), "requested_by_kind");

        var loaded = ApprovalStateJson.Deserialize(legacy);

        Assert.Null(loaded.RequestedByKind);
        Assert.True(loaded.IsRequestedBy(filer));
        Assert.Equal(ApprovalStatus.Cancelled, _h.Apply(loaded, new ApprovalCommand.Cancel(filer, null)).Status);
    }

    [Fact]
    public void ApprovalState_StoredWithoutTheRequestersKind_IsNotTheKeysNamesakes()
    {
        var legacy = ApprovalStateJson.Deserialize(WithoutProperty(ApprovalStateJson.Serialize(_h.Pending(requestedBy: Key)), "requested_by_kind"));

        Assert.False(legacy.IsRequestedBy(KeysNamesake));
        _h.Refuse(legacy, new ApprovalCommand.Cancel(KeysNamesake, null), ErrorCodes.Forbidden);
        Assert.Equal(ApprovalStatus.Approved, _h.Apply(legacy, new ApprovalCommand.Approve(KeysNamesake, null)).Status);
    }

    [Theory]
    [MemberData(nameof(Filers))]
    public void WorkflowState_StoredWithoutTheCreatorsKind_LoadsAndStaysTheCreators(string which)
    {
        var creator = Filer(which) is { Kind: PrincipalKind.ApiKey } key ? Principal.Key(key.Id, key.Name, [Scopes.WorkflowsWrite]) : Filer(which);
        var started = WorkflowTestPlans.Start(creator, _h.Now).State;
        var json = WorkflowStateJson.Serialize(started);
        Assert.Equal(creator.Kind, WorkflowStateJson.Deserialize(json).CreatedByKind);

        var loaded = WorkflowStateJson.Deserialize(WithoutProperty(json, "created_by_kind"));

        Assert.Null(loaded.CreatedByKind);
        Assert.Equal(creator.Kind, loaded.CreatorKind());
        Assert.True(loaded.IsCreatedBy(creator));
    }

    /// <summary>The JSON an older version wrote: the same state without <paramref name="name"/>.</summary>
    private static string WithoutProperty(string json, string name)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        Assert.True(node.Remove(name), $"the state's JSON has no '{name}' to remove");
        return node.ToJsonString();
    }
}
