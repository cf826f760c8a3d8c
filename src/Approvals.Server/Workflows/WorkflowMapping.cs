namespace Approvals.Server.Workflows;

/// <summary>Body of <c>POST /v1/workflows/{id}/approval</c>.</summary>
public sealed record WorkflowApprovalBody([property: System.ComponentModel.DataAnnotations.Required, System.ComponentModel.DataAnnotations.AllowedValues("approve", "reject")] string? Action = null, string? Note = null);

/// <summary>Body of a task step's complete.</summary>
public sealed record CompleteTaskBody(System.Text.Json.JsonElement? Output = null);

/// <summary>Body of a task step's fail.</summary>
public sealed record FailTaskBody(string? Error = null);

/// <summary>Body of cancel.</summary>
public sealed record CancelWorkflowBody(string? Reason = null);
