using System.Text.Json;
using System.Text.Json.Serialization;
using Approvals.Core.Approvals;

namespace Approvals.Core.Storage;

/// <summary>The persisted JSON form of <see cref="ApprovalState"/>, shared by both backends.</summary>
public static class ApprovalStateJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static string Serialize(ApprovalState state) => JsonSerializer.Serialize(state, Options);

    public static ApprovalState Deserialize(string json) =>
        JsonSerializer.Deserialize<ApprovalState>(json, Options) ?? throw new InvalidDataException("Stored approval state is null.");


}
