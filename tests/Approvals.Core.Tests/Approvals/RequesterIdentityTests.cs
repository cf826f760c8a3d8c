using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Tests.TestSupport;
using Approvals.Testing;

namespace Approvals.Core.Tests.Approvals;

/// <summary>
/// The requester is a kind and an id. A person's <c>sub</c> comes from the identity provider, a key's id
/// from us, so a person can carry a key's id (or a key a person's): neither is the other's requester.
/// </summary>
public class RequesterIdentityTests
{
    private readonly ApprovalHarness _h = new();

    private static readonly Principal Key = People.AgentKey("key_01jz8k3agent0000000000000");

    /// <summary>A person whose sub is the key's id, with every role that could otherwise cancel or decide.</summary>
    private static readonly Principal KeysNamesake = Principal.Person(Key.Id, "Nate Namesake", [Roles.Requester, Roles.Reviewer]);

    /// <summary>A key whose id is the requester's sub (an identity provider may use any string as sub).</summary>
    private static readonly Principal RequestersNamesake = People.AgentKey(ApprovalHarness.Requester.Id);

    [Fact]
    public void Create_RecordsTheRequestersKind()
    {
        Assert.Equal(PrincipalKind.ApiKey, _h.Pending(requestedBy: Key).RequestedByKind);
        Assert.Equal(PrincipalKind.Person, _h.Pending(requestedBy: ApprovalHarness.Requester).RequestedByKind);
    }

    [Fact]
    public void Cancel_ByAPersonWhoseSubIsTheFilingKeysId_ReturnsForbidden()
    {
        var state = _h.Pending(requestedBy: Key);

        _h.Refuse(state, new ApprovalCommand.Cancel(KeysNamesake, "not mine"), ErrorCodes.Forbidden);
        Assert.Equal(ApprovalStatus.Cancelled, _h.Apply(state, new ApprovalCommand.Cancel(Key, "mine")).Status);
    }

    [Fact]
    public void Extend_ByAPersonWhoseSubIsTheFilingKeysId_ReturnsForbidden()
    {
        var state = _h.Pending(requestedBy: Key);
        var later = _h.Now.AddHours(3);

        _h.Refuse(state, new ApprovalCommand.Extend(KeysNamesake, later), ErrorCodes.Forbidden);
        Assert.Equal(later, _h.Apply(state, new ApprovalCommand.Extend(Key, later)).ExpiresAt);
    }

    [Fact]
    public void CancelAndExtend_ByAKeyWhoseIdIsTheRequestersSub_ReturnForbidden()
    {
        var state = _h.Pending(requestedBy: ApprovalHarness.Requester);

        _h.Refuse(state, new ApprovalCommand.Cancel(RequestersNamesake, null), ErrorCodes.Forbidden);
        _h.Refuse(state, new ApprovalCommand.Extend(RequestersNamesake, _h.Now.AddHours(3)), ErrorCodes.Forbidden);
    }

    [Theory]
    [InlineData(CommandKind.Approve)]
    [InlineData(CommandKind.Reject)]
    public void Decide_ByAPersonWhoseSubIsTheFilingKeysId_IsNotSelfApproval(CommandKind kind)
    {
        var state = _h.Pending(requestedBy: Key);

        var decided = _h.Apply(state, _h.Command(kind, KeysNamesake));

        Assert.True(decided.IsFinal);
        Assert.Equal(KeysNamesake.Id, decided.DecidedBy);
    }

    [Theory]
    [InlineData(CommandKind.Approve)]
    [InlineData(CommandKind.Reject)]
    public void Decide_ByThePersonWhoFiled_IsStillSelfApproval(CommandKind kind)
    {
        var requesterWhoReviews = Principal.Person("user_both", "Bo Both", [Roles.Requester, Roles.Reviewer]);
        var state = _h.Pending(requestedBy: requesterWhoReviews);

        _h.Refuse(state, _h.Command(kind, requesterWhoReviews), ErrorCodes.SelfApprovalForbidden);
    }
}
