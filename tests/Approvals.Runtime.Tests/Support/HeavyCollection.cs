namespace Approvals.Runtime.Tests.Support;

/// <summary>
/// Load and timing tests run alone, after nothing else in this assembly competes for the two
/// cores: their figures are about Approvals, not about neighbouring tests.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyCollection
{
    public const string Name = "Heavy (runs alone)";
}
