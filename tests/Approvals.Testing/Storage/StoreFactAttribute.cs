using Approvals.Testing.PostgreSql;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Approvals.Testing.Storage;

/// <summary>
/// A fact of a backend-agnostic suite. Whether it runs depends on the concrete test class that
/// inherits it: under a class marked <see cref="RequiresPostgresAttribute"/> it skips when no
/// PostgreSQL is configured (and CI is not true); anywhere else it always runs.
/// </summary>
[XunitTestCaseDiscoverer("Approvals.Testing.Storage.StoreFactDiscoverer", "Approvals.Testing")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class StoreFactAttribute : FactAttribute;

/// <summary>Discovers <see cref="StoreFactAttribute"/> tests as <see cref="StoreTestCase"/>s.</summary>
public sealed class StoreFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        new StoreTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
}

/// <summary>A test case whose skip reason comes from the concrete class's backend.</summary>
public sealed class StoreTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public StoreTestCase()
    {
    }

    public StoreTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute)
    {
        // TestClass is the concrete class the inherited method was discovered on, not the abstract suite.
        var needsPostgres = TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute)).Any();
        if (needsPostgres && PostgresEnvironment.SkipReason is { } reason)
        {
            return reason;
        }
        return base.GetSkipReason(factAttribute);
    }
}
