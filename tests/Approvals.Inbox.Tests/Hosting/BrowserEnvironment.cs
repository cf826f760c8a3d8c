using Approvals.Testing.PostgreSql;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Approvals.Inbox.Tests.Hosting;

/// <summary>
/// Where the browser tests find Chromium: Debian's <c>chromium</c> on the PATH (or the file named by
/// <c>APPROVALS_TEST_CHROMIUM</c>); no browser is ever downloaded. Locally a missing one skips the browser
/// tests with a visible reason; under <c>CI=true</c> they run and fail, so a pipeline cannot pass by skipping.
/// </summary>
public static class BrowserEnvironment
{
    public const string Variable = "APPROVALS_TEST_CHROMIUM";

    private static readonly Lazy<string?> Found = new(Find);

    /// <summary>The Chromium executable, or null when there is none.</summary>
    public static string? Executable => Found.Value;

    /// <summary>Why browser tests are skipped, or null when they must run.</summary>
    public static string? SkipReason => Executable is null && !PostgresEnvironment.IsCi
        ? "Browser tests need Debian's chromium (apt-get install -y chromium; scripts/test.sh installs it). Skipped locally; under CI=true they fail instead."
        : null;

    /// <summary>The executable; a clear error when there is none (the CI=true case).</summary>
    public static string RequireExecutable() => Executable ?? throw new InvalidOperationException(
        $"No chromium on the PATH (nor {Variable}), and CI=true requires the browser tests to run: apt-get install -y chromium.");

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } named)
        {
            return File.Exists(named) ? named : null;
        }
        // As `command -v chromium` finds it.
        return (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, "chromium"))
            .FirstOrDefault(File.Exists);
    }
}

/// <summary>
/// A test that drives a browser: skipped (visibly) without Chromium unless <c>CI=true</c>, and, on a class
/// marked <see cref="RequiresPostgresAttribute"/>, without PostgreSQL as well.
/// </summary>
[XunitTestCaseDiscoverer("Approvals.Inbox.Tests.Hosting.BrowserFactDiscoverer", "Approvals.Inbox.Tests")]
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute;

/// <summary>Discovers <see cref="BrowserFactAttribute"/> tests.</summary>
public sealed class BrowserFactDiscoverer(IMessageSink diagnosticMessageSink) : FactDiscoverer(diagnosticMessageSink)
{
    protected override IXunitTestCase CreateTestCase(ITestFrameworkDiscoveryOptions discoveryOptions, ITestMethod testMethod, IAttributeInfo factAttribute) =>
        new BrowserTestCase(DiagnosticMessageSink, discoveryOptions.MethodDisplayOrDefault(), discoveryOptions.MethodDisplayOptionsOrDefault(), testMethod);
}

/// <summary>A browser test case whose skip reason also depends on the concrete class's backend.</summary>
public sealed class BrowserTestCase : XunitTestCase
{
    [Obsolete("Called by the de-serializer; should only be called by deriving classes for de-serialization purposes")]
    public BrowserTestCase()
    {
    }

    public BrowserTestCase(IMessageSink diagnosticMessageSink, TestMethodDisplay defaultMethodDisplay, TestMethodDisplayOptions defaultMethodDisplayOptions, ITestMethod testMethod)
        : base(diagnosticMessageSink, defaultMethodDisplay, defaultMethodDisplayOptions, testMethod)
    {
    }

    protected override string GetSkipReason(IAttributeInfo factAttribute)
    {
        if (BrowserEnvironment.SkipReason is { } noBrowser)
        {
            return noBrowser;
        }
        // TestClass is the concrete class the inherited method was discovered on, not the abstract suite.
        if (TestMethod.TestClass.Class.GetCustomAttributes(typeof(RequiresPostgresAttribute)).Any() && PostgresEnvironment.SkipReason is { } noPostgres)
        {
            return noPostgres;
        }
        return base.GetSkipReason(factAttribute);
    }
}
