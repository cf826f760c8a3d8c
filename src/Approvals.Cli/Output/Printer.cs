using System.Globalization;
using System.Text.Json;
using Approvals.Contracts;

namespace Approvals.Cli.Output;

/// <summary>Writes results as text for people or, with <c>--json</c>, as the API's JSON for scripts.</summary>
internal sealed class Printer(bool json, TextWriter output)
{
    private static readonly JsonSerializerOptions Indented = new(WireJson.Options) { WriteIndented = true };

    public bool Json => json;

    public TextWriter Out => output;

    /// <summary>The value as indented wire JSON.</summary>
    public void WriteJson<T>(T value) => output.WriteLine(JsonSerializer.Serialize(value, Indented));

    /// <summary>The value as one line of wire JSON (a stream of them is JSON Lines).</summary>
    public void WriteJsonLine<T>(T value) => output.WriteLine(JsonSerializer.Serialize(value, WireJson.Options));

    public static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    public void Fields(params (string Name, string? Value)[] fields)
    {
        var width = fields.Max(f => f.Name.Length) + 2;
        foreach (var (name, value) in fields)
        {
            output.WriteLine((name + ":").PadRight(width) + (value ?? "-"));
        }
    }
}
