using Microsoft.AspNetCore.OpenApi;
using System.Reflection;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.Infrastructure;

namespace Approvals.Server.OpenApi;

/// <summary>What the schema transformers need to know about a property or parameter, read from the code.</summary>
internal static class SchemaFacts
{
    /// <summary>True when the property may hold null, going out or coming in (nullable annotations or <c>Nullable&lt;T&gt;</c>).</summary>
    public static bool IsNullable(JsonPropertyInfo property) => property.IsGetNullable || property.IsSetNullable;

    /// <summary>True when the property can be left out of the JSON written (a JsonIgnore condition or a ShouldSerialize rule).</summary>
    public static bool MayBeOmitted(JsonPropertyInfo property) =>
        property.ShouldSerialize is not null
        || Attributes(property).OfType<JsonIgnoreAttribute>().Any(a => a.Condition is not JsonIgnoreCondition.Never);

    public static IEnumerable<Attribute> Attributes(JsonPropertyInfo property) =>
        property.AttributeProvider?.GetCustomAttributes(inherit: true).OfType<Attribute>() ?? [];

    public static IEnumerable<Attribute> Attributes(ApiParameterDescription parameter) =>
        parameter.ParameterDescriptor is IParameterInfoParameterDescriptor { ParameterInfo: { } info }
            ? info.GetCustomAttributes(inherit: true).OfType<Attribute>()
            : [];

    /// <summary>Whether a nullable parameter: today every query and header parameter is optional and nullable.</summary>
    public static bool IsNullable(ApiParameterDescription parameter) =>
        parameter.ParameterDescriptor is IParameterInfoParameterDescriptor { ParameterInfo: { } info }
        && new NullabilityInfoContext().Create(info).ReadState is NullabilityState.Nullable;
}
