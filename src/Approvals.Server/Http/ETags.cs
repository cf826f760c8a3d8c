using Approvals.Core;

namespace Approvals.Server.Http;

/// <summary>ETags are the quoted version; If-Match takes one (or <c>*</c>).</summary>
public static class ETags
{
    public static string Format(long version) => $"\"{version}\"";

    /// <summary>
    /// The version an If-Match header demands: null when absent or <c>*</c>; an error when it is not
    /// an ETag this API issued.
    /// </summary>
    public static Result<long?> ParseIfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0 || header == "*")
        {
            return Result<long?>.Success(null);
        }
        var tag = header.StartsWith("W/", StringComparison.Ordinal) ? header[2..] : header;
        tag = tag.Trim('"');
        return long.TryParse(tag, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version)
            ? Result<long?>.Success(version)
            : DomainError.Validation("If-Match", "If-Match must be an ETag of this resource, such as \"3\".");
    }
}
