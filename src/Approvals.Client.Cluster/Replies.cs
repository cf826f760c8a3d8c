using System.Diagnostics;
using System.Net;
using Approvals.Contracts;
using Approvals.Grains.Abstractions;

namespace Approvals.Client.Cluster;

/// <summary>Grain replies as the HTTP client gives results: the value, or the refusal as the gateway's problem in an <see cref="ApprovalsApiException"/>.</summary>
internal static class Replies
{
    public static T Unwrap<T>(CallReply<T> reply) where T : class => reply.Value ?? throw Refusal(reply.Error!);

    public static ApprovalDto Unwrap(ApprovalReply reply) => reply.Approval ?? throw Refusal(reply.Error!);

    /// <summary>
    /// The exception the HTTP client throws for the problem the gateway answers <paramref name="error"/> with: the same
    /// status, code and detail, and the problem, so <c>CurrentStatus</c>, <c>CurrentVersion</c> and <c>Errors</c> are there.
    /// </summary>
    public static ApprovalsApiException Refusal(CallError error)
    {
        var problem = error.ToProblem();
        return new ApprovalsApiException((HttpStatusCode)problem.Status, problem.Code, problem.Detail, problem);
    }

    /// <summary>
    /// Runs a call into the cluster; a failure of the cluster rather than of the call (see <see cref="ClusterFailures"/>)
    /// becomes the gateway's 503 <c>busy</c>, with the Orleans exception inside.
    /// </summary>
    public static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception error) when (ClusterFailures.ToProblem(error) is { } problem)
        {
            throw new ApprovalsApiException((HttpStatusCode)problem.Status, problem.Code, problem.Detail, problem, error);
        }
    }

    /// <summary>Where the calls of this flow come from, for the audit trail of the events they cause.</summary>
    public static void StampAudit(string userAgent) =>
        CallAudit.Set(ip: null, userAgent, Activity.Current?.TraceId.ToString() ?? CallAudit.Current?.CorrelationId);
}
