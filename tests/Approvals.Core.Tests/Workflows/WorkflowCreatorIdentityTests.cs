using Approvals.Contracts;
using Approvals.Core.Principals;
using Approvals.Core.Tests.TestSupport;
using Approvals.Core.Workflows;
using Approvals.Testing;

namespace Approvals.Core.Tests.Workflows;

/// <summary>A workflow's creator is a kind and an id, like an approval's requester.</summary>
public class WorkflowCreatorIdentityTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly Principal Key = Principal.Key("key_01jz8k3agent0000000000000", "ops-bot", [Scopes.WorkflowsWrite]);

    private static readonly Principal KeysNamesake = Principal.Person(Key.Id, "Nate Namesake", [Roles.Requester]);

    [Fact]
    public void Start_RecordsTheCreatorsKind()
    {
        Assert.Equal(PrincipalKind.ApiKey, WorkflowTestPlans.Start(Key, Now).State.CreatedByKind);
        Assert.Equal(PrincipalKind.Person, WorkflowTestPlans.Start(People.Requester(), Now).State.CreatedByKind);
    }

    [Fact]
    public void Cancel_ByAPersonWhoseSubIsTheCreatingKeysId_ReturnsForbidden()
    {
        var state = WorkflowTestPlans.Start(Key, Now).State;

        var refused = WorkflowTestPlans.Decide(state, new WorkflowCommand.Cancel(KeysNamesake, "not mine"), Now);

        Assert.Equal(ErrorCodes.Forbidden, refused.Error?.Code);
    }

    [Fact]
    public void Cancel_ByTheCreatingPerson_Cancels()
    {
        var creator = People.Requester("user_ops");
        var state = WorkflowTestPlans.Start(creator, Now).State;

        var cancelled = WorkflowTestPlans.Decide(state, new WorkflowCommand.Cancel(creator, "mine"), Now);

        Assert.True(cancelled.IsSuccess, cancelled.Error?.ToString());
        Assert.Equal(WorkflowStatus.Cancelled, cancelled.Value!.State.Status);
    }
}
