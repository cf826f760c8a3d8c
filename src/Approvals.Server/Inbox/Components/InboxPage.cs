using Approvals.Core;
using Approvals.Core.Principals;
using Approvals.Server.Auth;
using Microsoft.AspNetCore.Components;

namespace Approvals.Server.Inbox.Components;

/// <summary>What every inbox page has: the request, the signed-in person, and the clock.</summary>
public abstract class InboxPage : ComponentBase
{
    /// <summary>The request being rendered (pages are rendered on the server, once per request).</summary>
    [CascadingParameter]
    public HttpContext HttpContext { get; set; } = default!;

    [Inject]
    protected TimeProvider Clock { get; set; } = default!;

    /// <summary>The person of the inbox session, mapped exactly as the API maps a bearer token's caller.</summary>
    protected Principal Caller => HttpContext.Caller();

    protected CancellationToken Aborted => HttpContext.RequestAborted;

    /// <summary>A posted form field ("" when absent); the framework has read the form before a handler runs.</summary>
    protected string Field(string name) => HttpContext.Request.HasFormContentType ? HttpContext.Request.Form[name].ToString() : "";

    /// <summary>Why a note cannot be stored (the API's rule for any text), or null.</summary>
    protected static string? NoteRefusal(string note) => InputText.IsClean(note) ? null : InputText.Refusal("The note");

    /// <summary>This page's path with these query values (empty ones left out).</summary>
    protected static string Link(string path, params (string Name, string? Value)[] query) =>
        path + QueryString.Create(query.Where(q => !string.IsNullOrEmpty(q.Value)).Select(q => new KeyValuePair<string, string?>(q.Name, q.Value)));
}
