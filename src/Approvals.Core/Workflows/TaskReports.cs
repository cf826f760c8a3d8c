using System.Text.Json;

namespace Approvals.Core.Workflows;

/// <summary>What a worker reports of a task step, checked before it reaches the workflow (gateway and in-cluster client alike).</summary>
public static class TaskReports
{
    /// <summary>The largest output a step run keeps.</summary>
    public const int MaxOutputBytes = 64 * 1024;

    /// <summary>The output as stored (canonical JSON text; null for none or a JSON null), or the validation error naming <c>output</c>.</summary>
    public static Result<string?> CanonicalOutput(JsonElement? output)
    {
        if (output is not { ValueKind: not JsonValueKind.Null } given)
        {
            return Result<string?>.Success(null);
        }
        return StoredJson.TryCanonicalize(given, "output", MaxOutputBytes, objectOnly: false, out var canonical) is { } error
            ? DomainError.Validation("output", error)
            : canonical;
    }
}
