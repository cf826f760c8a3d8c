using Microsoft.Playwright;

namespace Approvals.Inbox.Tests.Hosting;

/// <summary>
/// One server and one Chromium for a collection of browser tests. Each test opens its own browser
/// contexts (separate cookie jars: separate people) and works in a tenant of its own.
/// </summary>
public abstract class InboxFixture<TServer> : IAsyncLifetime where TServer : InboxServer, new()
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public TServer Server { get; } = new();

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("The browser was not started (are browser tests skipped?).");

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        if (Server.IsSkipped || BrowserEnvironment.SkipReason is not null)
        {
            return;
        }
        _playwright = await Playwright.CreateAsync();
        // Debian's chromium, never a browser of Playwright's own (nothing is downloaded); headless, and
        // without the sandbox, which needs privileges a root test runner's chromium refuses.
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserEnvironment.RequireExecutable(),
            Headless = true,
            ChromiumSandbox = false,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
        await Server.DisposeAsync();
    }
}

public sealed class SqliteInboxFixture : InboxFixture<SqliteInboxServer>;

public sealed class PostgresInboxFixture : InboxFixture<PostgresInboxServer>;

/// <summary>The browser tests on SQLite. Collections run side by side; the tests of one run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class SqliteInboxCollection : ICollectionFixture<SqliteInboxFixture>
{
    public const string Name = "Inbox on SQLite";
}

/// <summary>The browser tests on PostgreSQL (skipped without a server unless CI=true).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresInboxCollection : ICollectionFixture<PostgresInboxFixture>
{
    public const string Name = "Inbox on PostgreSQL";
}
