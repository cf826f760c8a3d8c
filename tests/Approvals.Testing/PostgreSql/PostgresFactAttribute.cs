namespace Approvals.Testing.PostgreSql;

/// <summary>A fact that needs PostgreSQL: skipped (visibly) when none is configured, unless <c>CI=true</c>.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that needs PostgreSQL: skipped (visibly) when none is configured, unless <c>CI=true</c>.</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (PostgresEnvironment.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// Marks a concrete test class whose inherited suite (for instance
/// <see cref="Storage.StoreContractTests"/>) needs PostgreSQL, so its <see cref="Storage.StoreFactAttribute"/>
/// tests skip like <see cref="PostgresFactAttribute"/> ones.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class RequiresPostgresAttribute : Attribute;
