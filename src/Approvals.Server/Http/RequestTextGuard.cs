using Approvals.Core;

namespace Approvals.Server.Http;

/// <summary>
/// Applies <see cref="InputText"/>'s rule to the decoded path and every query name and value, once
/// for every endpoint, so no filter, id or cursor with a control character reaches a store (on
/// PostgreSQL a NUL in a parameter fails the statement). Bodies are checked by <see cref="BodyText"/>.
/// </summary>
public sealed class RequestTextGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext http)
    {
        if (!InputText.IsClean(http.Request.Path.Value))
        {
            return Refuse(http, "path");
        }
        foreach (var (name, values) in http.Request.Query)
        {
            if (!InputText.IsClean(name))
            {
                return Refuse(http, "query");
            }
            foreach (var value in values)
            {
                if (!InputText.IsClean(value))
                {
                    return Refuse(http, name);
                }
            }
        }
        return next(http);
    }

    private static Task Refuse(HttpContext http, string field) =>
        Problems.Write(http, Problems.Validation(field, InputText.Refusal(field)));
}
