using Orleans;
using Orleans.Runtime;

namespace Approvals.Testing.Storage;

/// <summary>
/// A grain that registers and removes reminders on request and counts their ticks: lets a test drive the
/// reminder service of a real silo against a reminder table.
/// </summary>
[Alias("Approvals.Testing.Storage.IReminderProbeGrain")]
public interface IReminderProbeGrain : IGrainWithStringKey
{
    [Alias("Register")]
    Task RegisterAsync(string reminderName, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken = default);

    /// <summary>Removes the reminder if the grain has it; false when it had none.</summary>
    [Alias("Unregister")]
    Task<bool> UnregisterAsync(string reminderName, CancellationToken cancellationToken = default);

    /// <summary>How many ticks of the reminder this activation has received.</summary>
    [Alias("CountTicks")]
    Task<int> CountTicksAsync(string reminderName, CancellationToken cancellationToken = default);
}

public sealed class ReminderProbeGrain : Grain, IReminderProbeGrain, IRemindable
{
    private readonly Dictionary<string, int> _ticks = new(StringComparer.Ordinal);

    public Task RegisterAsync(string reminderName, TimeSpan dueTime, TimeSpan period, CancellationToken cancellationToken = default) =>
        this.RegisterOrUpdateReminder(reminderName, dueTime, period, cancellationToken);

    public async Task<bool> UnregisterAsync(string reminderName, CancellationToken cancellationToken = default)
    {
        if (await this.GetReminder(reminderName, cancellationToken) is not { } reminder)
        {
            return false;
        }
        await this.UnregisterReminder(reminder, cancellationToken);
        return true;
    }

    public Task<int> CountTicksAsync(string reminderName, CancellationToken cancellationToken = default) =>
        Task.FromResult(_ticks.GetValueOrDefault(reminderName));

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks[reminderName] = _ticks.GetValueOrDefault(reminderName) + 1;
        return Task.CompletedTask;
    }
}
