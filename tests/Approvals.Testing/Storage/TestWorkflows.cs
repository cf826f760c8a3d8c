using System.Text.Json;
using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Events;
using Approvals.Core.Storage;
using Approvals.Core.Workflows;

namespace Approvals.Testing.Storage;

/// <summary>Workflow states, events and writes for storage tests.</summary>
public static class TestWorkflows
{
    /// <summary>The storage suites' start of time.</summary>
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A minimal active workflow of version 1 with one task step, created at <paramref name="createdAt"/>.</summary>
    public static WorkflowState New(string id, string tenantId = "tenant-a", DateTimeOffset? createdAt = null)
    {
        var at = createdAt ?? T0;
        return new WorkflowState
        {
            Id = id,
            TenantId = tenantId,
            Name = $"Release {id}",
            Status = WorkflowStatus.Active,
            Steps = [new PlanStep("build", StepType.Task, null, null, null, null, null)],
            CurrentStep = "build",
            History = [new StepRun(1, "build", null, null, at, null, null, null)],
            InputJson = "{}",
            CreatedBy = "user_req",
            CreatedAt = at,
            UpdatedAt = at,
            Version = 1,
        };
    }

    /// <summary>A JSON value to put in a request body, independent of any document's lifetime.</summary>
    public static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>A sealed event about <paramref name="subject"/> that follows <paramref name="prevHash"/>.</summary>
    public static EventRecord Event(WorkflowState subject, string? prevHash, string type = WorkflowEventTypes.Started, DateTimeOffset? at = null) =>
        EventHasher.Seal(
            $"evt_{Guid.NewGuid():N}",
            new NewEvent(type, subject.CreatedBy, new JsonObject { ["name"] = subject.Name, ["version"] = subject.Version }),
            subject.TenantId,
            subject.Id,
            at ?? subject.UpdatedAt,
            prevHash);

    /// <summary>The write that creates <paramref name="state"/> (expected version 0).</summary>
    public static WorkflowWrite Create(WorkflowState state, IReadOnlyList<EventRecord>? events = null) =>
        new(state, 0, events ?? [], null);

    /// <summary>The write that replaces version <paramref name="expectedVersion"/> with <paramref name="state"/>.</summary>
    public static WorkflowWrite Update(WorkflowState state, long expectedVersion, string? previousChainHead, IReadOnlyList<EventRecord>? events = null) =>
        new(state, expectedVersion, events ?? [], previousChainHead);

}
