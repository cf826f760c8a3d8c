using Approvals.Core;

namespace Approvals.Server.Http;

/// <summary>ETags are the quoted version; If-Match takes one (or <c>*</c>).</summary>
public static class ETags
{
    /// <summary>The header, for endpoints that bind it (<c>[FromHeader(Name = ETags.IfMatchHeader)]</c>).</summary>
    public const string IfMatchHeader = "If-Match";

    /// <summary>What the OpenAPI document says of If-Match.</summary>
    public const string IfMatchDescription = "An ETag of this resource (such as \"3\", or *): the write happens only at that version, else 412.";

    public static string Format(long version) => Contracts.WireNames.ETag(version);

    /// <summary>
    /// The version an If-Match header demands: null when absent or <c>*</c>; an error when it is not
    /// an ETag this API issued.
    /// </summary>
    public static Result<long?> ParseIfMatch(string? ifMatch)
    {
        var header = (ifMatch ?? "").Trim();
        if (header.Length == 0 || header == "*")
        {
            return Result<long?>.Success(null);
        }
        return Contracts.WireNames.TryParseETag(header, out var version)
            ? Result<long?>.Success(version)
            : DomainError.Validation("If-Match", "If-Match must be an ETag of this resource, such as \"3\".");
    }
}
