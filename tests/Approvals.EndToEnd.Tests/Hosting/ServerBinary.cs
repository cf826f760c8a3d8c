using System.Diagnostics;
using System.Reflection;

namespace Approvals.EndToEnd.Tests.Hosting;

/// <summary>
/// Where the built server is: <c>approvals.dll</c> next to the test assembly, or in
/// <c>src/Approvals.Server/bin/&lt;Configuration&gt;/net10.0/</c> (this assembly's configuration
/// first, then the other one), and the <c>dotnet</c> host that runs it.
/// </summary>
public static class ServerBinary
{
    public const string AssemblyFileName = "approvals.dll";

    private static readonly Lazy<string> Located = new(Locate);

    /// <summary>The full path of <c>approvals.dll</c>.</summary>
    public static string AssemblyPath => Located.Value;

    /// <summary>The <c>dotnet</c> host: the one running the tests when it is a dotnet host, else the one on PATH.</summary>
    public static string DotnetHost
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
            {
                return host;
            }
            var current = Environment.ProcessPath;
            return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
        }
    }

    /// <summary>
    /// A start description for <c>dotnet approvals.dll &lt;arguments&gt;</c>: output redirected, run in
    /// <paramref name="workingDirectory"/>, and none of the caller's ASP.NET Core or Approvals settings inherited.
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> arguments, string workingDirectory) =>
        StartInfo(AssemblyPath, arguments, workingDirectory);

    /// <summary>
    /// The same for any program built here (such as a sample): <c>dotnet &lt;assemblyPath&gt; &lt;arguments&gt;</c>, in
    /// Production, configured only by what the caller adds.
    /// </summary>
    public static ProcessStartInfo StartInfo(string assemblyPath, IEnumerable<string> arguments, string workingDirectory)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(assemblyPath);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
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
        return info;
    }

    /// <summary>Runs <c>dotnet approvals.dll &lt;arguments&gt;</c> to completion (a command such as <c>token</c>).</summary>
    public static async Task<CommandResult> RunAsync(IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout)
    {
        using var process = new Process { StartInfo = StartInfo(arguments, workingDirectory) };
        process.Start();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {AssemblyFileName} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    private static string Locate()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, AssemblyFileName);
        return File.Exists(beside) ? beside : LocateBuilt(Path.Combine("src", "Approvals.Server"), AssemblyFileName);
    }

    /// <summary>
    /// <paramref name="assemblyFileName"/> as the solution build left it in <c>&lt;project&gt;/bin/&lt;Configuration&gt;/net10.0/</c>
    /// (this assembly's configuration first, then the other one), for a project folder relative to the repository root.
    /// Run as built, never with <c>dotnet run</c>, which would build again while the tests run.
    /// </summary>
    public static string LocateBuilt(string projectFolder, string assemblyFileName)
    {
        var root = FindRepositoryRoot(AppContext.BaseDirectory);
        var own = typeof(ServerBinary).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        string[] configurations = [own, .. new[] { "Release", "Debug" }.Where(c => !string.Equals(c, own, StringComparison.OrdinalIgnoreCase))];
        var candidates = configurations
            .Select(c => Path.Combine(root, projectFolder, "bin", c, "net10.0", assemblyFileName))
            .ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"{projectFolder} is not built: none of {string.Join(", ", candidates)} exists. Build the solution first (dotnet build -c Release).");
    }

    private static string FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Approvals.sln")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No Approvals.sln above {start}.");
    }
}

/// <summary>How a finished command went.</summary>
public sealed record CommandResult(int ExitCode, string StandardOutput, string StandardError);
