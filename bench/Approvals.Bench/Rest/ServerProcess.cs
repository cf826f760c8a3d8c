using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Approvals.Bench.Rest;

/// <summary>
/// One server process (<c>dotnet approvals.dll --urls http://127.0.0.1:&lt;port&gt;</c>) on a fresh
/// database, configured only by environment variables, as it would be deployed. Its output goes to a
/// log file (path in <see cref="LogPath"/>), never to the console. Disposing always ends it (the whole
/// process tree) and drops its database; <see cref="KillAll"/> is the last resort on Ctrl-C or exit.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int TailLines = 40;
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ReadyPollInterval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan ExitDeadline = TimeSpan.FromSeconds(10);
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    private readonly Process _process;
    private readonly ScratchDatabase _database;
    private readonly string _workFolder;
    private readonly StreamWriter _log;
    private readonly Queue<string> _tail = new();
    private readonly Lock _logLock = new();
    private long _started;
    private int? _processId;
    private bool _logClosed;

    private ServerProcess(Process process, ScratchDatabase database, string workFolder, string logPath, StreamWriter log, Uri baseAddress, BenchTokens tokens,
        IReadOnlyDictionary<string, string> settings)
    {
        _process = process;
        _database = database;
        _workFolder = workFolder;
        _log = log;
        LogPath = logPath;
        BaseAddress = baseAddress;
        Tokens = tokens;
        Settings = settings;
    }

    public Uri BaseAddress { get; }

    /// <summary>
    /// The <c>Approvals__…</c> environment variables the server was started with (storage, ports, key): what a program
    /// started beside it with the same environment, such as an in-cluster client, would read.
    /// </summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    /// <summary>Tokens the server accepts (signed with the key it was given).</summary>
    public BenchTokens Tokens { get; }

    public int ProcessId => _processId ?? throw new InvalidOperationException("The server was not started.");

    /// <summary>The server's output (stdout and stderr); kept after the run.</summary>
    public string LogPath { get; }

    /// <summary>
    /// The exit code if the process has ended or ends within <paramref name="grace"/>, else null. The grace
    /// is there because a client sees its connection break a moment before the process's end is reported.
    /// </summary>
    public async Task<int?> ExitCodeAsync(TimeSpan grace)
    {
        using var deadline = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>From just before the process was started to the first 200 of <c>/health/ready</c>.</summary>
    public TimeSpan ReadyAfter { get; private set; }

    /// <summary>
    /// Starts <paramref name="serverDll"/> on a fresh <paramref name="backend"/> database and free ports, and
    /// waits until it is ready. A port taken by someone else between choosing and binding it is retried.
    /// </summary>
    public static async Task<ServerProcess> StartAsync(string serverDll, string backend, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            var server = await LaunchAsync(serverDll, backend, cancellationToken);
            try
            {
                await server.WaitUntilReadyAsync(cancellationToken);
                return server;
            }
            catch (ServerFailedException) when (attempt < attempts && server.Tail().Contains("address already in use", StringComparison.OrdinalIgnoreCase))
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

    private static async Task<ServerProcess> LaunchAsync(string serverDll, string backend, CancellationToken cancellationToken)
    {
        // Its own empty working directory: no appsettings or ./data of the caller is picked up.
        var workFolder = Directory.CreateTempSubdirectory("approvals-bench-").FullName;
        var dataFolder = Path.Combine(workFolder, "data");
        Directory.CreateDirectory(dataFolder);
        // Beside the work folder, so deleting the data does not take the log with it.
        var logPath = workFolder + ".log";
        ScratchDatabase database;
        try
        {
            database = await ScratchDatabase.CreateAsync(backend, dataFolder, cancellationToken);
        }
        catch
        {
            Directory.Delete(workFolder, recursive: true);
            throw;
        }

        var tokens = BenchTokens.Create();
        // Three distinct ports: HTTP and, for the Orleans build, the silo and gateway ports (the older
        // build ignores those two settings). Always passed, so neither build falls back to fixed defaults
        // that another process may hold.
        var ports = FreeLoopbackPorts(3);
        var baseAddress = new Uri($"http://127.0.0.1:{ports[0].ToString(CultureInfo.InvariantCulture)}/");
        var info = new ProcessStartInfo(ServerBinary.DotnetHost)
        {
            WorkingDirectory = workFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(serverDll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(baseAddress.GetLeftPart(UriPartial.Authority));
        // Nothing of the caller's environment configures the server; only what is set here.
        foreach (var name in info.Environment.Keys.ToList())
        {
            if (name.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("Approvals__", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("Approvals:", StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, "URLS", StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, "DOTNET_URLS", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(name);
            }
        }
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["Approvals__DataFolder"] = dataFolder;
        foreach (var (name, value) in database.Settings)
        {
            info.Environment[name] = value;
        }
        info.Environment["Approvals__Auth__SigningKey"] = tokens.SigningKey;
        info.Environment["Approvals__Auth__Issuer"] = BenchTokens.IssuerAndAudience;
        info.Environment["Approvals__Auth__Audience"] = BenchTokens.IssuerAndAudience;
        info.Environment["Approvals__Cluster__SiloPort"] = ports[1].ToString(CultureInfo.InvariantCulture);
        info.Environment["Approvals__Cluster__GatewayPort"] = ports[2].ToString(CultureInfo.InvariantCulture);

        var log = new StreamWriter(logPath, append: false);
        await log.WriteLineAsync($"# dotnet {serverDll} --urls {baseAddress.GetLeftPart(UriPartial.Authority)}; {database.Description}; silo port {ports[1]}, gateway port {ports[2]}");
        var process = new Process { StartInfo = info };
        var settings = info.Environment
            .Where(e => e.Key.StartsWith("Approvals__", StringComparison.Ordinal) && e.Value is not null)
            .ToDictionary(e => e.Key, e => e.Value!, StringComparer.Ordinal);
        var server = new ServerProcess(process, database, workFolder, logPath, log, baseAddress, tokens, settings);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        server._started = Stopwatch.GetTimestamp();
        try
        {
            process.Start();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        server._processId = process.Id;
        Running[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var probe = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (_process.HasExited)
            {
                throw Failure($"The server exited with code {_process.ExitCode} before it was ready.");
            }
            try
            {
                using var response = await probe.GetAsync(new Uri("health/ready", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    ReadyAfter = Stopwatch.GetElapsedTime(_started);
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // This probe timed out; the deadline below decides.
            }
            if (Stopwatch.GetElapsedTime(_started) > ReadyDeadline)
            {
                throw Failure($"The server was not ready within {ReadyDeadline.TotalSeconds:0} s.");
            }
            await Task.Delay(ReadyPollInterval, cancellationToken);
        }
    }

    /// <summary>Resident memory now (VmRSS) in bytes.</summary>
    public long ResidentBytes() => ReadStatus("VmRSS:");

    /// <summary>The most resident memory so far (VmHWM) in bytes.</summary>
    public long PeakResidentBytes() => ReadStatus("VmHWM:");

    /// <summary>
    /// The processor time the server has used so far (user and system, all threads). On a shared machine a
    /// rate moves with whatever else runs; the processor time one request costs moves much less.
    /// </summary>
    public TimeSpan ProcessorTime()
    {
        _process.Refresh();
        if (_process.HasExited)
        {
            throw Failure($"The server exited with code {_process.ExitCode}.");
        }
        return _process.TotalProcessorTime;
    }

    private long ReadStatus(string field)
    {
        if (_process.HasExited)
        {
            throw Failure($"The server exited with code {_process.ExitCode}.");
        }
        // "VmRSS:     123456 kB"
        var status = $"/proc/{ProcessId.ToString(CultureInfo.InvariantCulture)}/status";
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal))
            ?? throw new BenchException($"{status} has no {field} line.");
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return long.Parse(parts[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>The last lines of the server's output.</summary>
    public string Tail()
    {
        lock (_logLock)
        {
            return string.Join(Environment.NewLine, _tail);
        }
    }

    /// <summary>An exception whose message says what went wrong, where the log is, and how it ends.</summary>
    public ServerFailedException Failure(string what)
    {
        lock (_logLock)
        {
            _log.Flush();
        }
        return new ServerFailedException($"{what}{Environment.NewLine}server log: {LogPath}; last lines:{Environment.NewLine}{Tail()}");
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_logLock)
        {
            if (_logClosed)
            {
                return;
            }
            _log.WriteLine(line);
            _tail.Enqueue(line);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    /// <summary>Kills the process tree, waits for it to go, then drops the database and deletes the data folder.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_processId is { } id)
            {
                Running.TryRemove(id, out _);
                Kill(_process);
                using var deadline = new CancellationTokenSource(ExitDeadline);
                try
                {
                    await _process.WaitForExitAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    throw new BenchException($"The server (pid {id}) was still there {ExitDeadline.TotalSeconds:0} s after it was killed.");
                }
            }
        }
        finally
        {
            _process.Dispose();
            lock (_logLock)
            {
                _logClosed = true;
                _log.Dispose();
            }
            // Clean-up is best effort: a failure here must not hide the run's own error.
            try
            {
                await _database.DisposeAsync();
            }
            catch (NpgsqlException e)
            {
                Console.Error.WriteLine($"could not drop {_database.Description}: {e.Message}");
            }
            try
            {
                Directory.Delete(_workFolder, recursive: true);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"could not delete {_workFolder}: {e.Message}");
            }
        }
    }

    /// <summary>Kills every server still running (Ctrl-C, SIGTERM, or the bench exiting on an error).</summary>
    public static void KillAll()
    {
        foreach (var process in Running.Values)
        {
            Kill(process);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
    }

    /// <summary>Ports that were free a moment ago; the listeners are held together so the ports differ.</summary>
    private static int[] FreeLoopbackPorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
