using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Approvals.Bench.Rest;

/// <summary>Which server the REST scenarios run: a given <c>approvals.dll</c>, or the one built from this repository.</summary>
public static class ServerBinary
{
    private const string ServerProject = "src/Approvals.Server/Approvals.Server.csproj";

    /// <summary>
    /// The <c>dotnet</c> host: the one named by <c>DOTNET_HOST_PATH</c> (set by the SDK), else the one on PATH.
    /// The bench itself runs as an app host under <c>dotnet run</c>, so its own path is no help.
    /// </summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>
    /// The full path of the server assembly to run: <paramref name="given"/> (a .dll, or a folder holding
    /// one application), or else this repository's server, built in Release first so it is never stale.
    /// </summary>
    public static async Task<string> ResolveAsync(string? given, CancellationToken cancellationToken) =>
        given is null ? await BuildFromRepositoryAsync(cancellationToken) : Check(given);

    private static string Check(string given)
    {
        var path = Path.GetFullPath(given);
        if (Directory.Exists(path))
        {
            // A published folder: the application is the assembly that has a runtimeconfig beside it.
            var apps = Applications(path);
            return apps.Count == 1
                ? apps[0]
                : throw new BenchException($"{path} holds {apps.Count} applications ({string.Join(", ", apps.Select(Path.GetFileName))}); name the .dll.");
        }
        if (!File.Exists(path))
        {
            var folder = Path.GetDirectoryName(path)!;
            var hint = Directory.Exists(folder) && Applications(folder) is { Count: > 0 } apps
                ? $" That folder holds: {string.Join(", ", apps.Select(Path.GetFileName))}."
                : "";
            throw new BenchException($"No server at {path}.{hint}");
        }
        if (!File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")))
        {
            throw new BenchException($"{path} is not a runnable application (no {Path.GetFileName(Path.ChangeExtension(path, ".runtimeconfig.json"))} beside it).");
        }
        return path;
    }

    private static List<string> Applications(string folder) =>
        Directory.EnumerateFiles(folder, "*.runtimeconfig.json")
            .Select(config => Path.Combine(folder, Path.GetFileName(config)[..^".runtimeconfig.json".Length] + ".dll"))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// This repository's server as it is deployed (<c>deploy/approvals.service</c>): published for this machine's
    /// runtime, so ReadyToRun-compiled, framework-dependent.
    /// </summary>
    private static async Task<string> BuildFromRepositoryAsync(CancellationToken cancellationToken)
    {
        var root = RepositoryRoot();
        var project = Path.Combine(root, ServerProject);
        var runtime = RuntimeInformation.RuntimeIdentifier;
        // A folder of the bench's own choosing, so no second MSBuild run is needed to find it.
        var folder = Path.Combine(Path.GetDirectoryName(project)!, "bin", "Release", $"bench-{runtime}");
        Console.WriteLine($"publishing {ServerProject} (Release, {runtime}, ReadyToRun) …");
        // No build servers: nothing of ours should outlive the bench.
        await RunDotnetAsync(root, ["publish", project, "-c", "Release", "-r", runtime, "--self-contained", "false", "-o", folder,
            "--nologo", "-v:q", "--disable-build-servers"], cancellationToken);
        var assembly = Path.Combine(folder, "approvals.dll");
        return File.Exists(assembly) ? assembly : throw new BenchException($"The publish left no approvals.dll in {folder}.");
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Approvals.sln")))
            {
                return directory.FullName;
            }
        }
        throw new BenchException($"No Approvals.sln above {AppContext.BaseDirectory}: pass --server <path to approvals.dll>.");
    }

    /// <summary>Runs <c>dotnet</c> to completion and returns its standard output; a failure carries the output's tail.</summary>
    private static async Task<string> RunDotnetAsync(string workingDirectory, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info) ?? throw new BenchException("Could not start dotnet.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        var output = await stdout;
        if (process.ExitCode != 0)
        {
            var tail = string.Join(Environment.NewLine, (output + await stderr).Split('\n').TakeLast(30));
            throw new BenchException($"dotnet {string.Join(' ', arguments)} failed (exit {process.ExitCode}):{Environment.NewLine}{tail}");
        }
        return output;
    }
}

/// <summary>A failure the bench explains itself: printed as its message, without a stack trace.</summary>
public class BenchException(string message) : Exception(message);

/// <summary>A failure of the server under test; the message already carries its log's tail.</summary>
public sealed class ServerFailedException(string message) : BenchException(message);
