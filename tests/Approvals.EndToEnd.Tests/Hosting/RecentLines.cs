using System.Collections.Concurrent;

namespace Approvals.EndToEnd.Tests.Hosting;

/// <summary>The last lines a process wrote, as they arrive from its output events: kept to explain a failure.</summary>
public sealed class RecentLines(int capacity)
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Keeps <paramref name="line"/> (null, the end of a stream, is ignored) and forgets the oldest beyond the capacity.</summary>
    public void Add(string? line)
    {
        if (line is null)
        {
            return;
        }
        _lines.Enqueue(line);
        while (_lines.Count > capacity && _lines.TryDequeue(out _))
        {
        }
    }

    public override string ToString() => string.Join(Environment.NewLine, _lines);
}
