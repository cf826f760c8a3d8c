using System.Net;
using System.Security.Claims;
using Approvals.Core.Storage;
using Approvals.Server.Configuration;
using Approvals.Server.Inbox;
using Approvals.Server.Tests.Support;
using Approvals.Testing.Storage;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Tests.Inbox;

/// <summary>
/// The keys that protect the inbox's cookie sessions and anti-forgery tokens are kept in the database: what
/// the server protected, another instance on the same database (another node, or this one restarted) reads,
/// and nothing is kept in the data folder. Written once, subclassed per backend.
/// </summary>
public abstract class KeyRingTests<TServer>(TServer server) : ServerTests<TServer>(server) where TServer : ServerFixture
{
    // The purposes the inbox's cookie handler protects its session tickets with (CookieAuthenticationHandler's).
    private static readonly string[] SessionPurposes = [InboxAuth.CookieScheme, "v2"];
    private const string SessionPurpose = "Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationMiddleware";

    [StoreFact]
    public async Task ASessionCookie_ProtectedByTheServer_IsReadByAnotherInstanceOnTheSameDatabase()
    {
        var cookie = SessionFormat(Server.Services).Protect(Ticket());
        var keys = await KeyNamesAsync();

        await using var other = InstanceOn(Server.OpenStores().KeyRing);
        var read = SessionFormat(other).Unprotect(cookie);

        Assert.NotNull(read);
        Assert.Equal(Tenant, read.Principal.FindFirst("tenant")?.Value);
        Assert.Equal("bob", read.Principal.FindFirst("sub")?.Value);
        // It read the server's key rather than making one of its own.
        Assert.Equal(keys, await KeyNamesAsync());
    }

    [StoreFact]
    public async Task ASessionCookie_IsNotReadByAnInstanceOnAnotherDatabase()
    {
        // The control of the test above: the shared key ring, not the shared application name, is what lets another instance read it.
        var cookie = SessionFormat(Server.Services).Protect(Ticket());
        var folder = Directory.CreateTempSubdirectory("approvals-key-ring-");
        try
        {
            var elsewhere = StoreSet.Sqlite($"Data Source={Path.Combine(folder.FullName, "approvals.db")}");
            await elsewhere.Database.MigrateAsync(CancellationToken.None);
            await using var other = InstanceOn(elsewhere.KeyRing);

            Assert.Null(SessionFormat(other).Unprotect(cookie));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }
    }

    [StoreFact]
    public async Task TheKeys_AreKeptInTheDatabase_AndNothingInTheDataFolder()
    {
        // A page with a form: its anti-forgery token needs a key.
        using var form = await FirstNodeWithoutCookies().GetAsync("/signin");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);

        Assert.Contains(await KeyNamesAsync(), name => name.StartsWith("key-", StringComparison.Ordinal));
        var dataFolder = Server.Services.GetRequiredService<IOptions<ServerOptions>>().Value.DataFolder;
        Assert.False(Directory.Exists(Path.Combine(dataFolder, "keys")), "a keys folder was created in the data folder");
    }

    // ---- helpers ----

    /// <summary>A client of the first node that keeps no cookies (the fixture's own client keeps them for every test).</summary>
    protected HttpClient FirstNodeWithoutCookies() => ((TestServer)Server.Services.GetRequiredService<IServer>()).CreateClient();

    /// <summary>The names of the key ring's elements, read from the table behind the server's back.</summary>
    private async Task<IReadOnlyList<string>> KeyNamesAsync() =>
        (await Server.QueryAsync("SELECT friendly_name FROM data_protection_keys ORDER BY id;")).Select(row => (string)row[0]).ToList();

    /// <summary>Data protection as the server sets it up, over <paramref name="store"/>: another instance of it.</summary>
    private static ServiceProvider InstanceOn(IKeyRingStore store) =>
        new ServiceCollection().AddLogging().AddSingleton(store).AddInboxKeyRing().BuildServiceProvider();

    private static TicketDataFormat SessionFormat(IServiceProvider services) =>
        new(services.GetRequiredService<IDataProtectionProvider>().CreateProtector(SessionPurpose, SessionPurposes));

    private AuthenticationTicket Ticket() => new(
        new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "bob"), new Claim("name", "Bob"), new Claim("role", "reviewer"), new Claim("tenant", Tenant)], "oidc")),
        InboxAuth.CookieScheme);
}
