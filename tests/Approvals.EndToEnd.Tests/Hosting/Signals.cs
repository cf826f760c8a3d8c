using System.Diagnostics;
using System.Globalization;

namespace Approvals.EndToEnd.Tests.Hosting;

/// <summary>Signals to a child process, as a service manager or a terminal sends them.</summary>
internal static class Signals
{
    /// <summary>Sends SIGTERM (a polite stop: systemd's, or <c>kill</c>'s default) and returns once it is sent.</summary>
    public static async Task TerminateAsync(Process process)
    {
        using var term = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run kill.");
        await term.WaitForExitAsync();
    }
}
