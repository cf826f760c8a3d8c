using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Tests.TestSupport;

namespace Approvals.Core.Tests.Approvals;

/// <summary>risk_score → risk_level → required approval level, and the decider's level.</summary>
public class RiskLevelTests
{
    private static readonly int[] Boundaries = [0, 39, 40, 69, 70, 84, 85, 100];

    private static readonly (string Role, int Level)[] DeciderRoles =
        [(Roles.Reviewer, 1), (Roles.Manager, 2), (Roles.SecurityManager, 3), (Roles.Admin, 4)];

    private static int RequiredFor(int score) => score switch
    {
        <= 39 => 1,
        <= 69 => 2,
        <= 84 => 3,
        _ => 4,
    };

    public static TheoryData<string, int, bool> RoleTimesScore()
    {
        var data = new TheoryData<string, int, bool>();
        foreach (var (role, level) in DeciderRoles)
        {
            foreach (var score in Boundaries)
            {
                data.Add(role, score, level >= RequiredFor(score));
            }
        }
        return data;
    }

    public static TheoryData<int, int, bool> ClaimTimesScore()
    {
        var data = new TheoryData<int, int, bool>();
        for (var claim = 1; claim <= 4; claim++)
        {
            foreach (var score in Boundaries)
            {
                data.Add(claim, score, claim >= RequiredFor(score));
            }
        }
        return data;
    }

    [Theory]
    [InlineData(0, RiskLevel.Low, 1)]
    [InlineData(39, RiskLevel.Low, 1)]
    [InlineData(40, RiskLevel.Medium, 2)]
    [InlineData(69, RiskLevel.Medium, 2)]
    [InlineData(70, RiskLevel.High, 3)]
    [InlineData(84, RiskLevel.High, 3)]
    [InlineData(85, RiskLevel.Critical, 4)]
    [InlineData(100, RiskLevel.Critical, 4)]
    public void Create_RiskScore_SetsRiskLevelAndRequiredApprovalLevel(int score, RiskLevel level, int requiredLevel)
    {
        var h = new ApprovalHarness();

        var state = h.Pending(riskScore: score);

        Assert.Equal(level, state.RiskLevel);
        Assert.Equal(requiredLevel, state.RequiredApprovalLevel);
        Assert.Equal(level, RiskPolicy.LevelOf(score));
        Assert.Equal(requiredLevel, RiskPolicy.RequiredLevel(level));
    }

    [Fact]
    public void RequiredLevel_UnknownRiskLevel_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RiskPolicy.RequiredLevel((RiskLevel)42));
    }

    [Theory]
    [MemberData(nameof(RoleTimesScore))]
    public void Approve_ByRoleDefaultLevel_AllowedOnlyWhenLevelMeetsRequired(string role, int score, bool allowed)
    {
        var h = new ApprovalHarness();
        var state = h.Pending(riskScore: score);
        var decider = ApprovalHarness.Person("user_decider", role);

        var result = h.Decide(state, new ApprovalCommand.Approve(decider, null));

        if (allowed)
        {
            Assert.True(result.IsSuccess, result.Error?.Detail);
            Assert.Equal(ApprovalStatus.Approved, result.Value!.State.Status);
        }
        else
        {
            Assert.False(result.IsSuccess);
            Assert.Null(result.Value);
            Assert.Equal(ErrorCodes.InsufficientApprovalLevel, result.Error!.Code);
        }
    }

    [Theory]
    [MemberData(nameof(RoleTimesScore))]
    public void Reject_ByRoleDefaultLevel_AllowedOnlyWhenLevelMeetsRequired(string role, int score, bool allowed)
    {
        var h = new ApprovalHarness();
        var state = h.Pending(riskScore: score);
        var decider = ApprovalHarness.Person("user_decider", role);

        var result = h.Decide(state, new ApprovalCommand.Reject(decider, "no"));

        if (allowed)
        {
            Assert.True(result.IsSuccess, result.Error?.Detail);
            Assert.Equal(ApprovalStatus.Rejected, result.Value!.State.Status);
        }
        else
        {
            Assert.Null(result.Value);
            Assert.Equal(ErrorCodes.InsufficientApprovalLevel, result.Error!.Code);
        }
    }

    [Theory]
    [MemberData(nameof(ClaimTimesScore))]
    public void Approve_ApprovalLevelClaim_OverridesRoleDefault(int claim, int score, bool allowed)
    {
        var h = new ApprovalHarness();
        var state = h.Pending(riskScore: score);
        // A reviewer defaults to level 1 and an admin to 4; the claim decides either way.
        var reviewer = ApprovalHarness.PersonWithLevel("user_rev_claim", claim, Roles.Reviewer);
        var admin = ApprovalHarness.PersonWithLevel("user_adm_claim", claim, Roles.Admin);

        foreach (var decider in new[] { reviewer, admin })
        {
            var result = h.Decide(state, new ApprovalCommand.Approve(decider, null));
            if (allowed)
            {
                Assert.True(result.IsSuccess, result.Error?.Detail);
            }
            else
            {
                Assert.Equal(ErrorCodes.InsufficientApprovalLevel, result.Error?.Code);
            }
        }
    }

    [Fact]
    public void Approve_ReviewerWithLevel4Claim_ApprovesCriticalRequest()
    {
        var h = new ApprovalHarness();
        var state = h.Pending(riskScore: 100);

        var approved = h.Apply(state, new ApprovalCommand.Approve(ApprovalHarness.PersonWithLevel("user_x", 4, Roles.Reviewer), null));

        Assert.Equal(ApprovalStatus.Approved, approved.Status);
    }

    [Fact]
    public void Approve_AdminWithLevel1Claim_GetsInsufficientApprovalLevelOnMediumRisk()
    {
        var h = new ApprovalHarness();
        var state = h.Pending(riskScore: 40);

        h.Refuse(state, new ApprovalCommand.Approve(ApprovalHarness.PersonWithLevel("user_x", 1, Roles.Admin), null),
            ErrorCodes.InsufficientApprovalLevel);
    }

    [Fact]
    public void Approve_TooLowLevel_DetailNamesBothLevels()
    {
        var h = new ApprovalHarness();
        var state = h.Pending(riskScore: 85);

        var error = h.Refuse(state, new ApprovalCommand.Approve(ApprovalHarness.Manager, null), ErrorCodes.InsufficientApprovalLevel);

        Assert.Contains("4", error.Detail, StringComparison.Ordinal);
        Assert.Contains("2", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { Roles.Reviewer }, 1)]
    [InlineData(new[] { Roles.Manager }, 2)]
    [InlineData(new[] { Roles.SecurityManager }, 3)]
    [InlineData(new[] { Roles.Admin }, 4)]
    [InlineData(new[] { Roles.Reviewer, Roles.SecurityManager, Roles.Manager }, 3)]
    [InlineData(new[] { Roles.Requester, Roles.Manager }, 2)]
    [InlineData(new[] { Roles.Viewer, Roles.Requester }, 0)]
    [InlineData(new string[0], 0)]
    public void LevelOf_PersonWithoutClaim_IsHighestRoleDefault(string[] roles, int expected)
    {
        Assert.Equal(expected, RiskPolicy.LevelOf(ApprovalHarness.Person("user_x", roles)));
    }

    [Theory]
    [InlineData(Roles.Admin, 1)]
    [InlineData(Roles.Reviewer, 4)]
    [InlineData(Roles.Manager, 3)]
    public void LevelOf_PersonWithClaim_IsTheClaim(string role, int claim)
    {
        Assert.Equal(claim, RiskPolicy.LevelOf(ApprovalHarness.PersonWithLevel("user_x", claim, role)));
    }
}
