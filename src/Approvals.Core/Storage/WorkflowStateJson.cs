using System.Text.Json;
using System.Text.Json.Serialization;
using Approvals.Core.Workflows;

namespace Approvals.Core.Storage;

/// <summary>The persisted JSON form of <see cref="WorkflowState"/>, shared by both backends.</summary>
public static class WorkflowStateJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // A database that normalises JSON may move the "kind" discriminator; accept it anywhere.
        AllowOutOfOrderMetadataProperties = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver
        {
            Modifiers = { EffectPolymorphism },
        },
    };

    public static string Serialize(WorkflowState state) => JsonSerializer.Serialize(state, Options);

    public static WorkflowState Deserialize(string json) =>
        JsonSerializer.Deserialize<WorkflowState>(json, Options) ?? throw new InvalidDataException("Stored workflow state is null.");

    // The effect is a closed hierarchy; store which kind it is.
    private static void EffectPolymorphism(System.Text.Json.Serialization.Metadata.JsonTypeInfo info)
    {
        if (info.Type != typeof(WorkflowEffect))
        {
            return;
        }
        info.PolymorphismOptions = new System.Text.Json.Serialization.Metadata.JsonPolymorphismOptions
        {
            TypeDiscriminatorPropertyName = "kind",
            DerivedTypes =
            {
                new System.Text.Json.Serialization.Metadata.JsonDerivedType(typeof(WorkflowEffect.FileApproval), "file_approval"),
                new System.Text.Json.Serialization.Metadata.JsonDerivedType(typeof(WorkflowEffect.CancelApproval), "cancel_approval"),
            },
        };
    }
}
