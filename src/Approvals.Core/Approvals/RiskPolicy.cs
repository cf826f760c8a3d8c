using Approvals.Contracts;
using Approvals.Core.Principals;

namespace Approvals.Core.Approvals;

/// <summary>The risk table of API.md: score → level → required approval level, and a decider's level.</summary>
public static class RiskPolicy
{
    /// <summary>The highest approval level there is.</summary>
    public const int MaxLevel = 4;

    /// <summary>The risk band of a score (0–39 low, 40–69 medium, 70–84 high, 85–100 critical).</summary>
    public static RiskLevel LevelOf(int riskScore) => riskScore switch
    {
        < 40 => RiskLevel.Low,
        < 70 => RiskLevel.Medium,
        < 85 => RiskLevel.High,
        _ => RiskLevel.Critical,
    };

    /// <summary>The approval level a decider needs for a risk band.</summary>
    public static int RequiredLevel(RiskLevel level) => level switch
    {
        RiskLevel.Low => 1,
        RiskLevel.Medium => 2,
        RiskLevel.High => 3,
        RiskLevel.Critical => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(level), level, null),
    };

    /// <summary>
    /// A person's approval level: the <c>approval_level</c> claim when present, else the highest
    /// default among the person's decider roles (0 when they hold none).
    /// </summary>
    public static int LevelOf(Principal principal)
    {
        if (principal.ApprovalLevel is { } claimed)
        {
            return claimed;
        }
        var best = 0;
        foreach (var role in principal.Roles)
        {
            if (Roles.DeciderLevels.TryGetValue(role, out var level) && level > best)
            {
                best = level;
            }
        }
        return best;
    }
}
