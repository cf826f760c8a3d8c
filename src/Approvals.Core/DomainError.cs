using Approvals.Contracts;

namespace Approvals.Core;

/// <summary>
/// An expected refusal of a command, with the stable code of API.md. Expected outcomes are
/// values, not exceptions.
/// </summary>
/// <param name="Code">One of <see cref="ErrorCodes"/> (or <see cref="NotDue"/>).</param>
/// <param name="Detail">A sentence for people.</param>
public sealed record DomainError(string Code, string Detail)
{
    /// <summary>Internal code: a timer fired before the deadline; nothing happens.</summary>
    public const string NotDue = "not_due";

    /// <summary>
    /// Internal code: the deadline has passed but the expiry was not applied yet (the timer is late
    /// or the node was down). The caller applies <c>Expire</c> first, then runs the command again.
    /// </summary>
    public const string ExpiryDue = "expiry_due";

    /// <summary>For <c>already_resolved</c>: the current status.</summary>
    public ApprovalStatus? CurrentStatus { get; init; }

    /// <summary>For <c>precondition_failed</c>: the current version (the ETag).</summary>
    public long? CurrentVersion { get; init; }

    /// <summary>For <c>validation_error</c>: messages per field (snake_case field paths).</summary>
    public IReadOnlyDictionary<string, string[]>? Fields { get; init; }

    public static DomainError Validation(IReadOnlyDictionary<string, string[]> fields) =>
        new(ErrorCodes.ValidationError, "The request has invalid fields.") { Fields = fields };

    public static DomainError Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static DomainError AlreadyResolved(ApprovalStatus status) =>
        new(ErrorCodes.AlreadyResolved, $"The request is already {WireNames.Of(status)}.") { CurrentStatus = status };

    public static DomainError PreconditionFailed(long currentVersion) =>
        new(ErrorCodes.PreconditionFailed, $"The request changed: its version is now {currentVersion}.") { CurrentVersion = currentVersion };

    public static DomainError Forbidden(string detail) => new(ErrorCodes.Forbidden, detail);

    public static DomainError NotFound(string id) => new(ErrorCodes.NotFound, $"No approval request '{id}' exists.");
}

/// <summary>Something that may carry a refusal; lets generic code (metrics) see the code.</summary>
public interface IOutcome
{
    /// <summary>The refusal's code, or null on success.</summary>
    string? ErrorCode { get; }
}

/// <summary>The outcome of a pure transition: a value or a <see cref="DomainError"/>.</summary>
public readonly record struct Result<T> : IOutcome
{
    private Result(T? value, DomainError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }
    public DomainError? Error { get; }
    public bool IsSuccess => Error is null;
    public string? ErrorCode => Error?.Code;

    public static Result<T> Success(T value) => new(value, null);
    public static Result<T> Failure(DomainError error) => new(default, error);

    public static implicit operator Result<T>(DomainError error) => Failure(error);
    public static implicit operator Result<T>(T value) => Success(value);
}
