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

    /// <summary>For <c>already_resolved</c>: the current status.</summary>
    public ApprovalStatus? CurrentStatus { get; init; }

    /// <summary>For <c>validation_error</c>: messages per field (snake_case field paths).</summary>
    public IReadOnlyDictionary<string, string[]>? Fields { get; init; }

    public static DomainError Validation(IReadOnlyDictionary<string, string[]> fields) =>
        new(ErrorCodes.ValidationError, "The request has invalid fields.") { Fields = fields };

    public static DomainError Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static DomainError AlreadyResolved(ApprovalStatus status) =>
        new(ErrorCodes.AlreadyResolved, $"The request is already {WireNames.Of(status)}.") { CurrentStatus = status };

    public static DomainError Forbidden(string detail) => new(ErrorCodes.Forbidden, detail);

    public static DomainError NotFound(string id) => new(ErrorCodes.NotFound, $"No approval request '{id}' exists.");
}

/// <summary>The outcome of a pure transition: a value or a <see cref="DomainError"/>.</summary>
public readonly record struct Result<T>
{
    private Result(T? value, DomainError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }
    public DomainError? Error { get; }
    public bool IsSuccess => Error is null;

    public static Result<T> Success(T value) => new(value, null);
    public static Result<T> Failure(DomainError error) => new(default, error);

    public static implicit operator Result<T>(DomainError error) => Failure(error);
}
