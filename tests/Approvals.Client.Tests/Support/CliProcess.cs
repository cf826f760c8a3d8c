using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Approvals.EndToEnd.Tests.Hosting;

namespace Approvals.Client.Tests.Support;

/// <summary>
/// The built <c>approvals</c> command line (<c>src/Approvals.Cli/bin/&lt;Configuration&gt;/net10.0/Approvals.Cli.dll</c>)
/// run as a process: with exactly the environment a test gives it (none of the caller's <c>APPROVALS_*</c> or
/// <c>Approvals__*</c> settings), in a working directory of the test's choosing.
/// </summary>
public sealed class CliProcess : IAsyncDisposable
{
    private static readonly Lazy<string> Located = new(Locate);
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private CliProcess(Process process) => _process = process;

    /// <summary>Lines written to stdout so far.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>What was written to stderr so far.</summary>
    public string Errors => string.Join(Environment.NewLine, _errors);

    /// <summary>Runs <c>approvals &lt;arguments&gt;</c> to its end.</summary>
    public static async Task<CommandResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, TimeSpan? timeout = null)
    {
        using var process = new Process { StartInfo = StartInfo(arguments, environment, workingDirectory) };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"approvals {string.Join(' ', arguments)} did not finish in time.{Environment.NewLine}{await stderr}");
        }
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>approvals &lt;arguments&gt;</c> and keeps its output as it comes (for <c>tail</c>).</summary>
    public static CliProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = new Process { StartInfo = StartInfo(arguments, environment, null), EnableRaisingEvents = true };
        var cli = new CliProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { cli._lines.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { cli._errors.Enqueue(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return cli;
    }

    /// <summary>Sends <paramref name="signal"/> (such as TERM or INT) and waits for the exit code.</summary>
    public async Task<int> StopAsync(string signal, TimeSpan within)
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
        {
            await kill!.WaitForExitAsync();
        }
        using var deadline = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private static ProcessStartInfo StartInfo(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, string? workingDirectory)
    {
        var info = new ProcessStartInfo(ServerBinary.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        info.ArgumentList.Add(Located.Value);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var name in info.Environment.Keys.ToList())
        {
            if (name.StartsWith("APPROVALS_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Approvals__", StringComparison.OrdinalIgnoreCase))
            {
                info.Environment.Remove(name);
            }
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        info.Environment["DOTNET_NOLOGO"] = "1";
        return info;
    }

    private static string Locate()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Approvals.sln")))
        {
            root = Path.GetDirectoryName(root.TrimEnd(Path.DirectorySeparatorChar))
                ?? throw new DirectoryNotFoundException($"No Approvals.sln above {AppContext.BaseDirectory}.");
        }
        var own = typeof(CliProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var candidates = new[] { own, "Release", "Debug" }.Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(c => Path.Combine(root, "src", "Approvals.Cli", "bin", c, "net10.0", "Approvals.Cli.dll")).ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"The command line is not built: none of {string.Join(", ", candidates)} exists.");
    }
}
