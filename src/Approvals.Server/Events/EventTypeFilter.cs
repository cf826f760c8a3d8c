namespace Approvals.Server.Events;

/// <summary>
/// The <c>types</c> filter of the event stream: comma-separated patterns where <c>*</c> stands for any
/// run of characters (<c>approval.*</c>, <c>*.approved</c>, <c>*</c>). No pattern means every type.
/// </summary>
public sealed class EventTypeFilter
{
    private readonly string[][] _patterns;

    private EventTypeFilter(string[][] patterns) => _patterns = patterns;

    /// <summary>Parses the values of the <c>types</c> parameter; null when a pattern has characters no event type has.</summary>
    public static EventTypeFilter? Parse(IEnumerable<string?> values)
    {
        var patterns = new List<string[]>();
        foreach (var pattern in values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            if (pattern.Length > 100 || !pattern.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '_' or '*'))
            {
                return null;
            }
            patterns.Add(pattern.Split('*'));
        }
        return new EventTypeFilter([.. patterns]);
    }

    /// <summary>True when <paramref name="type"/> matches a pattern (or there is none).</summary>
    public bool Matches(string type) => _patterns.Length == 0 || _patterns.Any(parts => Matches(type, parts));

    // parts is the pattern split at '*': the first must start the type, the last end it, the rest appear in order between.
    private static bool Matches(string type, string[] parts)
    {
        if (parts.Length == 1)
        {
            return string.Equals(type, parts[0], StringComparison.Ordinal);
        }
        if (!type.StartsWith(parts[0], StringComparison.Ordinal) || !type.EndsWith(parts[^1], StringComparison.Ordinal)
            || type.Length < parts[0].Length + parts[^1].Length)
        {
            return false;
        }
        var position = parts[0].Length;
        var end = type.Length - parts[^1].Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var found = type.IndexOf(parts[i], position, end - position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }
            position = found + parts[i].Length;
        }
        return true;
    }
}
