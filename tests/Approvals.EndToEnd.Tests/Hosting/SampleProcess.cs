using System.Diagnostics;
using System.Threading.Channels;

namespace Approvals.EndToEnd.Tests.Hosting;

/// <summary>
/// A program of <c>samples/</c> run as a user runs it, from the solution build's output
/// (<c>samples/&lt;name&gt;/bin/&lt;Configuration&gt;/net10.0/&lt;name&gt;.dll</c>), configured only by the environment the test
/// gives it, in an empty working directory. Its stdout is read line by line as it comes; every read and the exit are
/// awaited with a deadline that only stops a broken run from hanging. Dispose always ends it.
/// </summary>
public sealed class SampleProcess : IAsyncDisposable
{
    private const int KeptErrorLines = 200;
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly RecentLines _errors = new(KeptErrorLines);
    private readonly string _workingDirectory;

    private SampleProcess(string name, Process process, string workingDirectory)
    {
        Name = name;
        _process = process;
        _workingDirectory = workingDirectory;
    }

    public string Name { get; }

    /// <summary>What the program wrote to stderr so far (its logs), for failure messages.</summary>
    public string Errors => _errors.ToString();

    /// <summary>Starts <c>samples/<paramref name="name"/></c> with <paramref name="environment"/> (and nothing of the caller's Approvals settings).</summary>
    public static SampleProcess Start(string name, IReadOnlyDictionary<string, string> environment)
    {
        var assembly = ServerBinary.LocateBuilt(Path.Combine("samples", name), name + ".dll");
        var workingDirectory = Directory.CreateTempSubdirectory("approvals-e2e-sample-").FullName;
        var info = ServerBinary.StartInfo(assembly, [], workingDirectory);
        foreach (var (variable, value) in environment)
        {
            info.Environment[variable] = value;
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var sample = new SampleProcess(name, process, workingDirectory);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                sample._lines.Writer.TryComplete();
            }
            else
            {
                sample._lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) => sample._errors.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return sample;
    }

    /// <summary>The next line of stdout, as soon as it is written; fails when none comes within <paramref name="deadline"/> or stdout ends.</summary>
    public async Task<string> ReadLineAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            return await _lines.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} wrote no line within {deadline}.{Environment.NewLine}stderr:{Environment.NewLine}{Errors}");
        }
        catch (ChannelClosedException)
        {
            var exit = _process.HasExited ? $" (exit code {_process.ExitCode})" : "";
            throw new InvalidOperationException($"{Name} closed its stdout{exit} before the line expected.{Environment.NewLine}stderr:{Environment.NewLine}{Errors}");
        }
    }

    /// <summary>Waits for the program to end by itself and returns its exit code; fails when it has not within <paramref name="deadline"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not exit within {deadline}.{Environment.NewLine}stderr:{Environment.NewLine}{Errors}");
        }
        return _process.ExitCode;
    }

    /// <summary>Asks the program to stop (SIGTERM) without waiting for it.</summary>
    public Task TerminateAsync() => Signals.TerminateAsync(_process);

    /// <summary>The lines of stdout not read yet, up to its end (the program closes it when it exits).</summary>
    public async Task<IReadOnlyList<string>> ReadToEndAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        var lines = new List<string>();
        try
        {
            await foreach (var line in _lines.Reader.ReadAllAsync(timeout.Token))
            {
                lines.Add(line);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} did not close its stdout within {deadline}.{Environment.NewLine}stderr:{Environment.NewLine}{Errors}");
        }
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        ServerProcess.TryDelete(_workingDirectory);
    }
}
