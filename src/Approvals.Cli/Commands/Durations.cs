using System.CommandLine.Parsing;
using System.Globalization;
using System.Xml;

namespace Approvals.Cli.Commands;

/// <summary>Times and durations as the options take them.</summary>
internal static class Durations
{
    /// <summary>An ISO 8601 duration (<c>PT5M</c>) or a number of seconds (<c>300</c>).</summary>
    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return TimeSpan.FromSeconds(seconds);
        }
        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException)
        {
            result.AddError($"'{text}' is not a duration: give seconds (300) or ISO 8601 (PT5M).");
            return default;
        }
    }

    /// <summary>An ISO 8601 time with a zone (<c>2026-01-01T09:00:00Z</c>).</summary>
    public static DateTimeOffset? ParseTime(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
        {
            return time;
        }
        result.AddError($"'{text}' is not a time: give ISO 8601, such as 2026-01-01T09:00:00Z.");
        return null;
    }
}
