namespace Approvals.EndToEnd.Tests;

/// <summary>
/// The end-to-end tests start servers and load them; run one at a time so they do not compete for
/// the machine's cores (their timings and races are only meaningful alone).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "End-to-end";
}
