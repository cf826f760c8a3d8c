using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Approvals.EndToEnd.Tests.Hosting;

/// <summary>
/// One real server process (<c>dotnet approvals.dll --urls http://127.0.0.1:&lt;port&gt; …</c>) on a
/// free loopback port. <see cref="StartAsync"/> returns once <c>/health/ready</c> answers 200;
/// output is kept (the last lines) to explain failures; dispose always ends the process.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int KeptLines = 400;
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(20);
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process _process;
    private readonly RecentLines _lines = new(KeptLines);
    private readonly ITestOutputHelper? _output;
    private readonly string _workingDirectory;

    private ServerProcess(string name, Process process, Uri baseAddress, ITestOutputHelper? output, string workingDirectory,
        IReadOnlyDictionary<string, string> approvalsEnvironment)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
        _output = output;
        _workingDirectory = workingDirectory;
        ApprovalsEnvironment = approvalsEnvironment;
    }

    /// <summary>A label for messages (e.g. <c>node-a</c>).</summary>
    public string Name { get; }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;/</c>.</summary>
    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the process wrote (stdout and stderr, interleaved as received).</summary>
    public string RecentOutput => _lines.ToString();

    /// <summary>
    /// The <c>Approvals__…</c> environment variables the process was started with, its silo and gateway ports included:
    /// what a program beside it (an in-cluster client such as samples/RemediationWorker) is given to find it. Settings
    /// passed as switches are not in it (they take precedence over the environment).
    /// </summary>
    public IReadOnlyDictionary<string, string> ApprovalsEnvironment { get; }

    /// <summary>An absolute URI on this server.</summary>
    public Uri Url(string relative) => new(BaseAddress, relative);

    /// <summary>
    /// Starts the server with <paramref name="settings"/> (configuration switches such as
    /// <c>--Approvals:DataFolder=…</c>) and waits until it is ready. A port taken between choosing
    /// and binding it is retried on another port.
    /// </summary>
    public static Task<ServerProcess> StartAsync(string name, IReadOnlyList<string> settings, ITestOutputHelper? output = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(name, settings, new Dictionary<string, string>(), output, cancellationToken);

    /// <summary>
    /// Starts the server configured as a deployment configures it, by <c>Approvals__…</c> environment variables
    /// (<paramref name="environment"/>), and waits until it is ready.
    /// </summary>
    public static Task<ServerProcess> StartAsync(string name, IReadOnlyDictionary<string, string> environment, ITestOutputHelper? output = null,
        CancellationToken cancellationToken = default) =>
        StartAsync(name, [], environment, output, cancellationToken);

    private static async Task<ServerProcess> StartAsync(string name, IReadOnlyList<string> settings, IReadOnlyDictionary<string, string> environment,
        ITestOutputHelper? output, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var server = Launch(name, settings, environment, output);
            try
            {
                await server.WaitUntilReadyAsync(cancellationToken);
                return server;
            }
            catch (ServerStartException) when (attempt < attempts && server.RecentOutput.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                await server.DisposeAsync();
            }
            catch
            {
                await server.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Starts several servers at once; if any fails, the others are ended too.</summary>
    public static async Task<IReadOnlyList<ServerProcess>> StartManyAsync(IReadOnlyList<string> names, IReadOnlyList<string> settings,
        ITestOutputHelper? output = null, CancellationToken cancellationToken = default)
    {
        var starting = names.Select(name => StartAsync(name, settings, output, cancellationToken)).ToList();
        try
        {
            return await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }
            throw;
        }
    }

    private static ServerProcess Launch(string name, IReadOnlyList<string> settings, IReadOnlyDictionary<string, string> environment,
        ITestOutputHelper? output)
    {
        var port = FreeLoopbackPort();
        var baseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        // Its own empty working directory: nothing (appsettings, a default ./data) is picked up from or left in the repository.
        var workingDirectory = Directory.CreateTempSubdirectory("approvals-e2e-cwd-").FullName;
        string[] arguments =
        [
            "--urls", baseAddress.ToString().TrimEnd('/'),
            // Per-request logs would cost more than the requests under load; warnings and errors are kept.
            "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
            "--Logging:Console:FormatterOptions:ColorBehavior=Disabled",
            .. settings,
        ];
        var approvalsEnvironment = new Dictionary<string, string>(environment, StringComparer.Ordinal)
        {
            // Every node is a silo: each needs silo and gateway ports of its own. In the environment, so a client
            // given the same environment finds the gateway; a switch in settings still overrides them.
            ["Approvals__Cluster__SiloPort"] = FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),
            ["Approvals__Cluster__GatewayPort"] = FreeLoopbackPort().ToString(CultureInfo.InvariantCulture),
        };
        var info = ServerBinary.StartInfo(arguments, workingDirectory);
        foreach (var (variable, value) in approvalsEnvironment)
        {
            info.Environment[variable] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var server = new ServerProcess(name, process, baseAddress, output, workingDirectory, approvalsEnvironment);
        process.OutputDataReceived += (_, e) => server._lines.Add(e.Data);
        process.ErrorDataReceived += (_, e) => server._lines.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                throw new ServerStartException($"{Name} exited with code {_process.ExitCode} before it was ready.{Environment.NewLine}{RecentOutput}");
            }
            try
            {
                using var response = await Probe.GetAsync(Url("/health/ready"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The probe timed out; the deadline below decides.
            }
            if (started.Elapsed > ReadyDeadline)
            {
                throw new ServerStartException($"{Name} was not ready within {ReadyDeadline}.{Environment.NewLine}{RecentOutput}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    /// <summary>Asks the process to stop (SIGTERM) and waits for it; kills it if it does not stop in time.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        await Signals.TerminateAsync(_process);
        using var deadline = new CancellationTokenSource(StopDeadline);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new TimeoutException($"{Name} did not stop within {StopDeadline} of SIGTERM; killed it.{Environment.NewLine}{RecentOutput}");
        }
    }

    /// <summary>Ends the process at once, as a crash or power cut would (SIGKILL on Linux), and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited)
        {
            return;
        }
        _process.Kill(entireProcessTree: true);
        using var deadline = new CancellationTokenSource(StopDeadline);
        await _process.WaitForExitAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
            if (_output is not null)
            {
                _output.WriteLine($"----- {Name} ({BaseAddress}) last output -----");
                _output.WriteLine(RecentOutput);
            }
            TryDelete(_workingDirectory);
        }
    }

    /// <summary>A port that was free a moment ago (bound to 0 and released).</summary>
    public static int FreeLoopbackPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    internal static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS's temp cleanup; not worth failing a test over.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}

/// <summary>The server did not become ready; the message carries its output.</summary>
public sealed class ServerStartException(string message) : Exception(message);
