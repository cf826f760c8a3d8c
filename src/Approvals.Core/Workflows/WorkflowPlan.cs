using System.Text.Json;
using Approvals.Contracts;
using Approvals.Core.Approvals;

namespace Approvals.Core.Workflows;

/// <summary>Validation of a workflow body into a plan; collects every field error at once.</summary>
public static class WorkflowPlan
{
    public sealed record Validated(string Name, IReadOnlyList<PlanStep> Steps, string InputJson);

    public static Result<Validated> Validate(CreateWorkflowRequest request, DateTimeOffset now, ApprovalOptions approvalOptions)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }
            list.Add(message);
        }

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            Add("name", "name is required.");
        }
        else if (name.Length > 200)
        {
            Add("name", "name must be at most 200 characters.");
        }

        var inputJson = "{}";
        if (request.Input is { ValueKind: not JsonValueKind.Null } input
            && StoredJson.TryCanonicalize(input, "input", approvalOptions.MaxContextBytes, objectOnly: true, out inputJson) is { } inputError)
        {
            Add("input", inputError);
        }

        var steps = new List<PlanStep>();
        var dtos = request.Steps ?? [];
        if (dtos.Count == 0)
        {
            Add("steps", "A workflow needs at least one step.");
        }
        else if (dtos.Count > WorkflowOptions.MaxSteps)
        {
            Add("steps", $"A workflow has at most {WorkflowOptions.MaxSteps} steps.");
        }
        var ids = dtos.Select(d => d?.Id).Where(id => !string.IsNullOrWhiteSpace(id)).ToList();
        for (var i = 0; i < dtos.Count; i++)
        {
            var dto = dtos[i];
            var at = $"steps[{i}]";
            if (dto is null)
            {
                Add(at, "A step must be an object.");
                continue;
            }
            if (string.IsNullOrWhiteSpace(dto.Id) || dto.Id.Length > 100)
            {
                Add($"{at}.id", "id is required (1–100 characters).");
            }
            else if (ids.Count(id => id == dto.Id) > 1)
            {
                Add($"{at}.id", $"Step id '{dto.Id}' is used more than once.");
            }
            StepType? type = dto.Type switch { "approval" => StepType.Approval, "task" => StepType.Task, _ => null };
            if (type is null)
            {
                Add($"{at}.type", "type must be 'approval' or 'task'.");
            }
            if (type == StepType.Approval)
            {
                if (dto.Approval is null)
                {
                    Add($"{at}.approval", "An approval step needs an approval body.");
                }
                else if (ApprovalValidation.ValidateCreate(dto.Approval, now, approvalOptions) is { IsSuccess: false, Error.Fields: { } fields })
                {
                    foreach (var (field, messages) in fields)
                    {
                        messages.ToList().ForEach(m => Add($"{at}.approval.{field}", m));
                    }
                }
            }
            foreach (var (field, next) in new[] { ("on_success", dto.OnSuccess), ("on_failure", dto.OnFailure) })
            {
                if (next is not null && !ids.Contains(next))
                {
                    Add($"{at}.{field}", $"No step has the id '{next}'.");
                }
            }
            var delay = Duration(dto.DelayToNextStep, $"{at}.delay_to_next_step", Add);
            var timeout = Duration(dto.Timeout, $"{at}.timeout", Add);
            if (timeout is not null && type == StepType.Approval)
            {
                Add($"{at}.timeout", "timeout applies to task steps; an approval step ends by its request's own deadline.");
            }
            if (type is { } t && !string.IsNullOrWhiteSpace(dto.Id))
            {
                steps.Add(new PlanStep(dto.Id, t, dto.Approval, dto.OnSuccess, dto.OnFailure, delay, timeout));
            }
        }

        if (errors.Count > 0)
        {
            return DomainError.Validation(errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }
        return Result<Validated>.Success(new Validated(name!, steps, inputJson));
    }

    private static TimeSpan? Duration(string? text, string field, Action<string, string> add)
    {
        if (text is null)
        {
            return null;
        }
        if (!ApprovalValidation.TryParseDuration(text, out var duration) || duration < TimeSpan.Zero || duration > TimeSpan.FromDays(365))
        {
            add(field, $"{field.Split('.')[^1]} must be an ISO 8601 duration such as PT30S (at most a year).");
            return null;
        }
        return duration;
    }
}
