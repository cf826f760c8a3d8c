using Approvals.Core.Storage;

namespace Approvals.Runtime.Approvals;

/// <summary>How a command is to be carried out, beyond what it says.</summary>
/// <param name="IfMatch">Run only if the request is at this version (HTTP If-Match); else precondition_failed.</param>
/// <param name="Idempotency">The idempotent request this command answers, if any.</param>
public sealed record CommandOptions(long? IfMatch = null, IdempotentRequest? Idempotency = null)
{
    public static CommandOptions None { get; } = new();
}

/// <summary>
/// An idempotent request whose response is stored in the same transaction as the state change it
/// causes, so "acknowledged" and "replayable" can never come apart, even across a crash.
/// </summary>
/// <param name="Scope">Who owns the key (tenant and caller).</param>
/// <param name="Key">The Idempotency-Key.</param>
/// <param name="RequestHash">Hash of the request.</param>
/// <param name="ExpiresAt">How long the response is kept for replay.</param>
/// <param name="Render">The response (status, stored body) the caller will send for the new state (an approval or a workflow).</param>
public sealed record IdempotentRequest(string Scope, string Key, string RequestHash, DateTimeOffset ExpiresAt, Func<object, (int Status, string Body)> Render)
{
    internal IdempotencyCompletion Complete(object state)
    {
        var (status, body) = Render(state);
        return new IdempotencyCompletion(Scope, Key, RequestHash, status, body, ExpiresAt);
    }
}
