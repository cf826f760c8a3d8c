using Approvals.Contracts;

namespace Approvals.Contracts.Tests;

public sealed class WireNamesTests
{
    [Fact]
    public void EveryStatus_RoundTripsThroughItsWireName() =>
        Assert.All(Enum.GetValues<ApprovalStatus>(), s =>
        {
            Assert.True(WireNames.TryParseStatus(WireNames.Of(s), out var parsed));
            Assert.Equal(s, parsed);
        });

    [Fact]
    public void EveryRiskLevelAndExpiryPolicy_RoundTrips()
    {
        Assert.All(Enum.GetValues<RiskLevel>(), l => Assert.True(WireNames.TryParseRiskLevel(WireNames.Of(l), out var p) && p == l));
        Assert.All(Enum.GetValues<OnExpiry>(), o => Assert.True(WireNames.TryParseOnExpiry(WireNames.Of(o), out var p) && p == o));
    }

    [Theory]
    [InlineData("Pending")]
    [InlineData("PENDING")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("0")]
    public void UnknownOrMiscasedNames_AreRefused(string? name) =>
        Assert.False(WireNames.TryParseStatus(name, out _));

    [Fact]
    public void WireNames_AreTheContractsSpelling()
    {
        Assert.Equal(["pending", "approved", "rejected", "expired", "cancelled"], Enum.GetValues<ApprovalStatus>().Select(WireNames.Of));
        Assert.Equal(["low", "medium", "high", "critical"], Enum.GetValues<RiskLevel>().Select(WireNames.Of));
        Assert.Equal(["expire", "reject", "approve", "escalate"], Enum.GetValues<OnExpiry>().Select(WireNames.Of));
    }

    [Fact]
    public void TerminalEventTypes_AreExactlyTheFourFinalOnes() =>
        Assert.Equal(
            new[] { EventTypes.ApprovalApproved, EventTypes.ApprovalCancelled, EventTypes.ApprovalExpired, EventTypes.ApprovalRejected },
            EventTypes.ApprovalTerminal.Order());
}
