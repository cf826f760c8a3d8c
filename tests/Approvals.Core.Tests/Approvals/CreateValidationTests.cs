using System.Text;
using Approvals.Contracts;
using Approvals.Core.Approvals;
using Approvals.Core.Principals;
using Approvals.Core.Tests.TestSupport;

namespace Approvals.Core.Tests.Approvals;

/// <summary>Every create validation rule of API.md, with the field key it reports.</summary>
public class CreateValidationTests
{
    private readonly ApprovalHarness _h = new();

    private static CreateApprovalRequest Valid() => new() { Title = "Rotate production keys" };

    private static PolicyDto Policy(
        int? requiredApprovals = null, string[]? approverRoles = null, string[]? approvers = null, string? onExpiry = null) =>
        new(requiredApprovals, approverRoles, approvers, null, onExpiry);

    private ApprovalState Created(CreateApprovalRequest request) => _h.Apply(null, ApprovalHarness.CreateCommand(request));

    private IReadOnlyDictionary<string, string[]> Invalid(CreateApprovalRequest request)
    {
        var error = _h.Refuse(null, ApprovalHarness.CreateCommand(request), ErrorCodes.ValidationError);
        Assert.NotNull(error.Fields);
        return error.Fields;
    }

    private void AssertOnlyInvalid(CreateApprovalRequest request, string field)
    {
        var (key, messages) = Assert.Single(Invalid(request));
        Assert.Equal(field, key);
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.False(string.IsNullOrWhiteSpace(m)));
    }

    // ---- title ----

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("   \t\n ")]
    public void Create_TitleMissingOrWhitespace_ReportsTitle(string? title) =>
        AssertOnlyInvalid(Valid() with { Title = title }, "title");

    [Theory]
    [InlineData(1)]
    [InlineData(200)]
    public void Create_TitleWithinOneTo200Chars_IsAccepted(int length)
    {
        var title = new string('t', length);

        Assert.Equal(title, Created(Valid() with { Title = title }).Title);
    }

    [Theory]
    [InlineData(201)]
    [InlineData(5000)]
    public void Create_TitleLongerThan200Chars_ReportsTitle(int length) =>
        AssertOnlyInvalid(Valid() with { Title = new string('t', length) }, "title");

    [Fact]
    public void Create_TitleWithSurroundingWhitespace_IsStoredTrimmed()
    {
        Assert.Equal("Deploy v2", Created(Valid() with { Title = "  Deploy v2 \t" }).Title);
    }

    [Fact]
    public void Create_Title200CharsPlusSurroundingWhitespace_IsAccepted()
    {
        var title = new string('t', 200);

        Assert.Equal(title, Created(Valid() with { Title = $"  {title}  " }).Title);
    }

    // ---- other text fields ----

    [Fact]
    public void Create_SummaryLongerThan4000Chars_ReportsSummary() =>
        AssertOnlyInvalid(Valid() with { Summary = new string('s', 4001) }, "summary");

    [Theory]
    [InlineData("requested_operation")]
    [InlineData("target")]
    [InlineData("resource_scope")]
    [InlineData("data_classification")]
    [InlineData("agent_id")]
    [InlineData("session_id")]
    [InlineData("trace_id")]
    public void Create_ShortTextFieldLongerThan200Chars_ReportsThatField(string field)
    {
        var text = new string('x', 201);
        var request = field switch
        {
            "requested_operation" => Valid() with { RequestedOperation = text },
            "target" => Valid() with { Target = text },
            "resource_scope" => Valid() with { ResourceScope = text },
            "data_classification" => Valid() with { DataClassification = text },
            "agent_id" => Valid() with { AgentId = text },
            "session_id" => Valid() with { SessionId = text },
            "trace_id" => Valid() with { TraceId = text },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        AssertOnlyInvalid(request, field);
    }

    // ---- risk_score ----

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    [InlineData(100)]
    public void Create_RiskScoreWithin0To100_IsAccepted(int score)
    {
        Assert.Equal(score, Created(Valid() with { RiskScore = score }).RiskScore);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(101)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void Create_RiskScoreOutside0To100_ReportsRiskScore(int score) =>
        AssertOnlyInvalid(Valid() with { RiskScore = score }, "risk_score");

    [Fact]
    public void Create_RiskScoreAbsent_DefaultsToZeroAndLowRisk()
    {
        var state = Created(Valid() with { RiskScore = null });

        Assert.Equal(0, state.RiskScore);
        Assert.Equal(RiskLevel.Low, state.RiskLevel);
        Assert.Equal(1, state.RequiredApprovalLevel);
    }

    // ---- context ----

    [Fact]
    public void Create_ContextAbsent_StoresEmptyObject()
    {
        Assert.Equal("{}", Created(Valid()).ContextJson);
    }

    [Fact]
    public void Create_ContextJsonNull_StoresEmptyObject()
    {
        Assert.Equal("{}", Created(Valid() with { Context = ApprovalHarness.Json("null") }).ContextJson);
    }

    [Theory]
    [InlineData("[1,2,3]")]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("true")]
    public void Create_ContextNotAnObject_ReportsContext(string json) =>
        AssertOnlyInvalid(Valid() with { Context = ApprovalHarness.Json(json) }, "context");

    [Fact]
    public void Create_ContextObject_IsStoredAsCanonicalCompactJson()
    {
        var context = ApprovalHarness.Json("""
            { "recipient": "partner@example.com",
              "attachments": [ { "size": 10, "name": "q3.pdf" } ],
              "cc": null }
            """);

        var state = Created(Valid() with { Context = context });

        Assert.Equal("""{"attachments":[{"name":"q3.pdf","size":10}],"cc":null,"recipient":"partner@example.com"}""", state.ContextJson);
    }

    /// <summary>A context object whose compact form is exactly <paramref name="bytes"/> UTF-8 bytes.</summary>
    private static CreateApprovalRequest WithContextOfBytes(int bytes)
    {
        const int overhead = 8; // {"a":""}
        var json = $$"""{"a":"{{new string('x', bytes - overhead)}}"}""";
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(json));
        return Valid() with { Context = ApprovalHarness.Json(json) };
    }

    [Fact]
    public void Create_ContextOfExactlyMaxContextBytes_IsAccepted()
    {
        var max = new ApprovalOptions().MaxContextBytes;
        Assert.Equal(64 * 1024, max);

        var state = Created(WithContextOfBytes(max));

        Assert.Equal(max, Encoding.UTF8.GetByteCount(state.ContextJson));
    }

    [Fact]
    public void Create_ContextOneByteOverMaxContextBytes_ReportsContext() =>
        AssertOnlyInvalid(WithContextOfBytes(new ApprovalOptions().MaxContextBytes + 1), "context");

    [Fact]
    public void Create_ContextMeasuredCompact_IndentationDoesNotCount()
    {
        var max = new ApprovalOptions().MaxContextBytes;
        var padding = new string(' ', 1000);
        var json = $$"""{{{padding}}"a"{{padding}}:{{padding}}"{{new string('x', max - 8)}}"{{padding}}}""";
        Assert.True(Encoding.UTF8.GetByteCount(json) > max);

        var state = Created(Valid() with { Context = ApprovalHarness.Json(json) });

        Assert.Equal(max, Encoding.UTF8.GetByteCount(state.ContextJson));
    }

    [Fact]
    public void Create_ContextSizeCountsUtf8BytesNotChars()
    {
        var max = new ApprovalOptions().MaxContextBytes;
        // 'é' is two UTF-8 bytes: (max - 8) / 2 + 1 of them exceed the limit although the char count does not.
        var json = $$"""{"a":"{{new string('é', (max - 8) / 2 + 1)}}"}""";
        Assert.True(json.Length <= max);

        AssertOnlyInvalid(Valid() with { Context = ApprovalHarness.Json(json) }, "context");
    }

    [Fact]
    public void Create_ContextLimitFromOptions_IsApplied()
    {
        _h.Options.MaxContextBytes = 16;

        Created(Valid() with { Context = ApprovalHarness.Json("""{"a":"12345678"}""") });
        AssertOnlyInvalid(Valid() with { Context = ApprovalHarness.Json("""{"a":"123456789"}""") }, "context");
    }

    // ---- expires_in / expires_at ----

    [Fact]
    public void Create_NoExpiry_AppliesDefaultExpiry()
    {
        var state = Created(Valid());

        Assert.Equal(_h.Now + new ApprovalOptions().DefaultExpiry, state.ExpiresAt);
        Assert.Equal(_h.Now + TimeSpan.FromHours(24), state.ExpiresAt);
    }

    [Fact]
    public void Create_NoExpiry_AppliesConfiguredDefaultExpiry()
    {
        _h.Options.DefaultExpiry = TimeSpan.FromMinutes(90);

        Assert.Equal(_h.Now + TimeSpan.FromMinutes(90), Created(Valid()).ExpiresAt);
    }

    [Theory]
    [InlineData("PT4H", 4 * 3600)]
    [InlineData("PT30M", 30 * 60)]
    [InlineData("PT1S", 1)]
    [InlineData("P1D", 24 * 3600)]
    [InlineData("P1DT2H", 26 * 3600)]
    [InlineData("P30D", 30 * 24 * 3600)]
    public void Create_ExpiresInValidDuration_SetsDeadlineFromNow(string expiresIn, int seconds)
    {
        var state = Created(Valid() with { ExpiresIn = expiresIn });

        Assert.Equal(_h.Now + TimeSpan.FromSeconds(seconds), state.ExpiresAt);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("4h")]
    [InlineData("PT")]
    [InlineData("P")]
    [InlineData("tomorrow")]
    [InlineData("14400")]
    [InlineData("-PT1H")]
    [InlineData("PT0S")]
    [InlineData("P0D")]
    public void Create_ExpiresInNotAPositiveIsoDuration_ReportsExpiresIn(string expiresIn) =>
        AssertOnlyInvalid(Valid() with { ExpiresIn = expiresIn }, "expires_in");

    [Theory]
    [InlineData("P30DT1S")]
    [InlineData("P31D")]
    [InlineData("P1Y")]
    public void Create_ExpiresInBeyondMaxExpiry_ReportsExpiresIn(string expiresIn) =>
        AssertOnlyInvalid(Valid() with { ExpiresIn = expiresIn }, "expires_in");

    [Fact]
    public void Create_ExpiresInBeyondConfiguredMaxExpiry_ReportsExpiresIn()
    {
        _h.Options.MaxExpiry = TimeSpan.FromHours(2);

        Assert.Equal(_h.Now + TimeSpan.FromHours(2), Created(Valid() with { ExpiresIn = "PT2H" }).ExpiresAt);
        AssertOnlyInvalid(Valid() with { ExpiresIn = "PT2H1S" }, "expires_in");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3600)]
    public void Create_ExpiresAtInTheFuture_IsTheDeadline(int secondsAhead)
    {
        var at = _h.Now.AddSeconds(secondsAhead);

        Assert.Equal(at, Created(Valid() with { ExpiresAt = at }).ExpiresAt);
    }

    [Fact]
    public void Create_ExpiresAtExactlyMaxExpiryAhead_IsAccepted()
    {
        var at = _h.Now + _h.Options.MaxExpiry;

        Assert.Equal(at, Created(Valid() with { ExpiresAt = at }).ExpiresAt);
    }

    [Fact]
    public void Create_ExpiresAtInAnotherOffset_IsTheSameInstant()
    {
        var at = _h.Now.AddHours(3).ToOffset(TimeSpan.FromHours(-5));

        var state = Created(Valid() with { ExpiresAt = at });

        Assert.Equal(at.UtcDateTime, state.ExpiresAt.UtcDateTime);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(-86400)]
    public void Create_ExpiresAtNowOrInThePast_ReportsExpiresAt(int secondsAhead) =>
        AssertOnlyInvalid(Valid() with { ExpiresAt = _h.Now.AddSeconds(secondsAhead) }, "expires_at");

    [Fact]
    public void Create_ExpiresAtBeyondMaxExpiry_ReportsExpiresAt() =>
        AssertOnlyInvalid(Valid() with { ExpiresAt = _h.Now + _h.Options.MaxExpiry + TimeSpan.FromMicroseconds(1) }, "expires_at");

    [Fact]
    public void Create_ExpiresAtTimeIsJudgedByTheClock()
    {
        var at = _h.Now.AddHours(1);
        _h.Advance(TimeSpan.FromHours(2));

        AssertOnlyInvalid(Valid() with { ExpiresAt = at }, "expires_at");
    }

    [Fact]
    public void Create_BothExpiresInAndExpiresAt_IsAnError()
    {
        var fields = Invalid(Valid() with { ExpiresIn = "PT1H", ExpiresAt = _h.Now.AddHours(1) });

        var (key, _) = Assert.Single(fields);
        Assert.Equal("expires_in", key);
    }

    [Fact]
    public void Create_ExpiresAtWithSubMicrosecondTicks_IsTruncatedToMicroseconds()
    {
        var at = _h.Now.AddHours(1).AddTicks(7);

        Assert.Equal(_h.Now.AddHours(1), Created(Valid() with { ExpiresAt = at }).ExpiresAt);
    }

    // ---- policy ----

    [Fact]
    public void Create_NoPolicy_AppliesDefaultPolicy()
    {
        Assert.Equal(ApprovalPolicy.Default, Created(Valid()).Policy, PolicyComparer.Instance);
        Assert.Equal(1, ApprovalPolicy.Default.RequiredApprovals);
        Assert.Empty(ApprovalPolicy.Default.ApproverRoles);
        Assert.Empty(ApprovalPolicy.Default.Approvers);
        Assert.False(ApprovalPolicy.Default.AllowSelfApproval);
        Assert.Equal(OnExpiry.Expire, ApprovalPolicy.Default.OnExpiry);
    }

    [Fact]
    public void Create_EmptyPolicy_AppliesDefaults()
    {
        var policy = Created(Valid() with { Policy = new PolicyDto() }).Policy;

        Assert.Equal(ApprovalPolicy.Default, policy, PolicyComparer.Instance);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(ApprovalOptions.MaxRequiredApprovals)]
    public void Create_RequiredApprovalsWithin1To10_IsAccepted(int required)
    {
        Assert.Equal(required, Created(Valid() with { Policy = Policy(requiredApprovals: required) }).Policy.RequiredApprovals);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(11)]
    [InlineData(int.MaxValue)]
    public void Create_RequiredApprovalsOutside1To10_ReportsPolicyRequiredApprovals(int required) =>
        AssertOnlyInvalid(Valid() with { Policy = Policy(requiredApprovals: required) }, "policy.required_approvals");

    [Theory]
    [InlineData("expire", OnExpiry.Expire)]
    [InlineData("reject", OnExpiry.Reject)]
    [InlineData("approve", OnExpiry.Approve)]
    [InlineData("escalate", OnExpiry.Escalate)]
    public void Create_KnownOnExpiry_IsParsed(string wire, OnExpiry expected)
    {
        Assert.Equal(expected, Created(Valid() with { Policy = Policy(onExpiry: wire) }).Policy.OnExpiry);
    }

    [Theory]
    [InlineData("")]
    [InlineData("explode")]
    [InlineData("EXPIRE")]
    [InlineData("Escalate")]
    [InlineData(" expire")]
    [InlineData("expired")]
    public void Create_UnknownOnExpiry_ReportsPolicyOnExpiry(string wire) =>
        AssertOnlyInvalid(Valid() with { Policy = Policy(onExpiry: wire) }, "policy.on_expiry");

    [Theory]
    [InlineData(Roles.Reviewer)]
    [InlineData(Roles.Manager)]
    [InlineData(Roles.SecurityManager)]
    [InlineData(Roles.Admin)]
    public void Create_DeciderApproverRole_IsAccepted(string role)
    {
        Assert.Equal([role], Created(Valid() with { Policy = Policy(approverRoles: [role]) }).Policy.ApproverRoles);
    }

    [Fact]
    public void Create_DuplicateApproverRoles_AreStoredOnce()
    {
        var policy = Created(Valid() with { Policy = Policy(approverRoles: [Roles.Manager, Roles.Manager, Roles.Admin]) }).Policy;

        Assert.Equal([Roles.Manager, Roles.Admin], policy.ApproverRoles);
    }

    [Theory]
    [InlineData(Roles.Viewer)]
    [InlineData(Roles.Requester)]
    [InlineData("root")]
    [InlineData("Admin")]
    [InlineData("")]
    public void Create_UnknownOrNonDeciderApproverRole_ReportsPolicyApproverRoles(string role) =>
        AssertOnlyInvalid(Valid() with { Policy = Policy(approverRoles: [Roles.Manager, role]) }, "policy.approver_roles");

    [Fact]
    public void Create_ApproversAsManyAsRequired_IsAccepted()
    {
        var policy = Created(Valid() with { Policy = Policy(requiredApprovals: 2, approvers: ["user_a", "user_b"]) }).Policy;

        Assert.Equal(["user_a", "user_b"], policy.Approvers);
        Assert.Equal(2, policy.RequiredApprovals);
    }

    [Fact]
    public void Create_ApproversFewerThanRequiredApprovals_ReportsPolicyApprovers() =>
        AssertOnlyInvalid(Valid() with { Policy = Policy(requiredApprovals: 3, approvers: ["user_a", "user_b"]) }, "policy.approvers");

    [Fact]
    public void Create_ApproversCountedDistinct_DuplicatesDoNotMakeUpTheQuorum() =>
        AssertOnlyInvalid(Valid() with { Policy = Policy(requiredApprovals: 2, approvers: ["user_a", "user_a"]) }, "policy.approvers");

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Create_BlankApprover_ReportsPolicyApprovers(string approver) =>
        AssertOnlyInvalid(Valid() with { Policy = Policy(approvers: ["user_a", approver]) }, "policy.approvers");

    [Fact]
    public void Create_AllowSelfApproval_IsKept()
    {
        var policy = Created(Valid() with { Policy = new PolicyDto(AllowSelfApproval: true) }).Policy;

        Assert.True(policy.AllowSelfApproval);
    }

    // ---- several errors at once ----

    [Fact]
    public void Create_SeveralInvalidFields_ReportsEveryFieldAtOnce()
    {
        var request = new CreateApprovalRequest
        {
            Title = "  ",
            RiskScore = 101,
            Context = ApprovalHarness.Json("[1]"),
            ExpiresIn = "soon",
            Target = new string('x', 201),
            Policy = new PolicyDto(RequiredApprovals: 0, ApproverRoles: ["viewer"], Approvers: [""], OnExpiry: "never"),
        };

        var fields = Invalid(request);

        Assert.Equal(
            new SortedSet<string>(StringComparer.Ordinal)
            {
                "title", "risk_score", "context", "expires_in", "target",
                "policy.required_approvals", "policy.approver_roles", "policy.approvers", "policy.on_expiry",
            },
            new SortedSet<string>(fields.Keys, StringComparer.Ordinal));
    }

    [Fact]
    public void Create_ExpiresAtAndApproversInvalid_ReportsBoth()
    {
        var fields = Invalid(Valid() with
        {
            ExpiresAt = _h.Now.AddDays(-1),
            Policy = Policy(requiredApprovals: 2, approvers: ["user_a"]),
        });

        Assert.Equal(2, fields.Count);
        Assert.Contains("expires_at", fields.Keys);
        Assert.Contains("policy.approvers", fields.Keys);
    }

    [Fact]
    public void ValidateCreate_ValidBody_ReturnsTheValidatedFields()
    {
        var result = ApprovalValidation.ValidateCreate(
            Valid() with { Title = " T ", RiskScore = 72, ExpiresIn = "PT2H", Context = ApprovalHarness.Json("""{"b":1,"a":2}""") },
            _h.Now, _h.Options);

        Assert.True(result.IsSuccess);
        var v = result.Value!;
        Assert.Equal("T", v.Title);
        Assert.Equal(72, v.RiskScore);
        Assert.Equal("""{"a":2,"b":1}""", v.ContextJson);
        Assert.Equal(_h.Now.AddHours(2), v.ExpiresAt);
    }

    /// <summary>Compares policies by value (the record compares its lists by reference).</summary>
    private sealed class PolicyComparer : IEqualityComparer<ApprovalPolicy>
    {
        public static readonly PolicyComparer Instance = new();

        public bool Equals(ApprovalPolicy? x, ApprovalPolicy? y) =>
            x is not null && y is not null
            && x.RequiredApprovals == y.RequiredApprovals
            && x.ApproverRoles.SequenceEqual(y.ApproverRoles)
            && x.Approvers.SequenceEqual(y.Approvers)
            && x.AllowSelfApproval == y.AllowSelfApproval
            && x.OnExpiry == y.OnExpiry;

        public int GetHashCode(ApprovalPolicy obj) => obj.RequiredApprovals;
    }
}
