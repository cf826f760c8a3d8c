using Approvals.Contracts;
using Orleans.Serialization;

namespace Approvals.Grains.Abstractions;

/// <summary>
/// Registers how contract types (request bodies, approvals: plain records with free-form JSON
/// members that Orleans' generated codecs cannot carry) travel between silos and clients: as the
/// API's own wire JSON, so a grain reply and a REST reply are the same document.
/// </summary>
public static class ContractsSerialization
{
    public static ISerializerBuilder AddApprovalsContracts(this ISerializerBuilder serializer) =>
        serializer.AddJsonSerializer(type => type.Assembly == typeof(ApprovalDto).Assembly, WireJson.Options);
}
