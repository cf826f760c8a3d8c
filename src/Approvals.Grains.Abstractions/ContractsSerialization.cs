using Approvals.Contracts;
using System.Text.Json;
using Orleans.Serialization;

namespace Approvals.Grains.Abstractions;

/// <summary>
/// Registers how contract types (request bodies, approvals: plain records with free-form JSON
/// members that Orleans' generated codecs cannot carry) travel between silos and clients: as the
/// API's own wire JSON, so a grain reply and a REST reply are the same document.
/// </summary>
public static class ContractsSerialization
{
    public static ISerializerBuilder AddApprovalsContracts(this ISerializerBuilder serializer)
    {
        static bool IsContract(Type type) => type.Assembly == typeof(ApprovalDto).Assembly;
        return serializer.AddJsonSerializer(IsContract, IsContract, options => options.Configure(codec =>
        {
            codec.SerializerOptions = WireJson.Options;
            // The codec reads with its own reader, whose depth limit (64 by default) would refuse a value
            // the API accepted: read as deep as the API does.
            codec.ReaderOptions = new JsonReaderOptions { MaxDepth = WireJson.MaxDepth };
        }));
    }
}
