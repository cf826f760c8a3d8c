using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Approvals.Server.Tests.Metrics;

/// <summary>One sample line: a metric name, its labels and its value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public bool HasLabels(params (string Name, string Value)[] labels) =>
        Labels.Count == labels.Length && labels.All(l => Labels.TryGetValue(l.Name, out var value) && value == l.Value);
}

/// <summary>A metric family: its <c># TYPE</c>, <c># HELP</c> and samples.</summary>
public sealed record PrometheusFamily(string Name, string Type, string? Help, IReadOnlyList<PrometheusSample> Samples);

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4 (what Prometheus reads from
/// <c>text/plain; version=0.0.4</c>): every line is a comment, <c># HELP</c>, <c># TYPE</c> or a sample; names,
/// label names, escapes and values are checked; a family's <c># TYPE</c> comes before its samples, once, and its
/// samples form one group; no series appears twice; counters are not negative; a histogram's buckets are
/// cumulative, end in <c>le="+Inf"</c> and agree with <c>_count</c>. Anything else throws <see cref="FormatException"/>
/// naming the line. No NuGet package of ours reads this format, hence this one.
/// </summary>
public sealed partial class PrometheusText
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    private readonly Dictionary<string, PrometheusFamily> _families;

    private PrometheusText(Dictionary<string, PrometheusFamily> families) => _families = families;

    public IReadOnlyDictionary<string, PrometheusFamily> Families => _families;

    /// <summary>The value of the one sample <paramref name="name"/> with exactly these labels, or null when there is none.</summary>
    public double? Value(string name, params (string Name, string Value)[] labels) =>
        _families.Values.SelectMany(f => f.Samples).SingleOrDefault(s => s.Name == name && s.HasLabels(labels))?.Value;

    /// <summary>A counter's value, 0 before it was first incremented (OpenTelemetry exports a series only once it has a measurement).</summary>
    public double Counter(string name, params (string Name, string Value)[] labels) => Value(name, labels) ?? 0;

    public static PrometheusText Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("The exposition does not end with a line feed.");
        }
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var helps = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new Dictionary<string, List<PrometheusSample>>(StringComparer.Ordinal);
        var closed = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lines = text.Split('\n');
        for (var number = 1; number < lines.Length; number++)
        {
            var line = lines[number - 1];
            try
            {
                if (line.Length == 0)
                {
                    continue;
                }
                if (line[0] == '#')
                {
                    var parts = line.Split([' ', '\t'], 4, StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length < 3 || parts[0] != "#" || parts[1] is not ("HELP" or "TYPE"))
                    {
                        continue; // A plain comment.
                    }
                    var name = parts[2];
                    RequireMetricName(name);
                    if (parts[1] == "TYPE")
                    {
                        var type = parts.Length == 4 ? parts[3] : throw new FormatException("TYPE without a type.");
                        if (!Types.Contains(type))
                        {
                            throw new FormatException($"Unknown type '{type}'.");
                        }
                        if (samples.ContainsKey(name) || !types.TryAdd(name, type))
                        {
                            throw new FormatException($"TYPE of '{name}' after its samples or given twice.");
                        }
                    }
                    else if (!helps.TryAdd(name, parts.Length == 4 ? Unescape(parts[3]) : ""))
                    {
                        throw new FormatException($"HELP of '{name}' given twice.");
                    }
                    continue;
                }
                var sample = ParseSample(line);
                var family = FamilyOf(sample.Name, types);
                if (family != current)
                {
                    if (current is not null)
                    {
                        closed.Add(current);
                    }
                    if (closed.Contains(family))
                    {
                        throw new FormatException($"The samples of '{family}' are not one group.");
                    }
                    current = family;
                }
                var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
                if (!series.Add(key))
                {
                    throw new FormatException($"The series {key} appears twice.");
                }
                var familyType = types.GetValueOrDefault(family, "untyped");
                if (familyType == "counter" && (sample.Value < 0 || double.IsNaN(sample.Value)))
                {
                    throw new FormatException($"The counter {key} is {sample.Value}.");
                }
                (samples.TryGetValue(family, out var list) ? list : samples[family] = []).Add(sample);
            }
            catch (FormatException error)
            {
                throw new FormatException($"Line {number}: {error.Message} — {line}", error);
            }
        }
        var families = types.Keys.Concat(samples.Keys).Distinct(StringComparer.Ordinal).ToDictionary(
            name => name,
            name => new PrometheusFamily(name, types.GetValueOrDefault(name, "untyped"), helps.GetValueOrDefault(name),
                samples.TryGetValue(name, out var list) ? list : []),
            StringComparer.Ordinal);
        foreach (var histogram in families.Values.Where(f => f.Type == "histogram"))
        {
            CheckHistogram(histogram);
        }
        return new PrometheusText(families);
    }

    /// <summary>The family a sample belongs to: a histogram's or summary's <c>_bucket</c>, <c>_sum</c> and <c>_count</c> belong to it.</summary>
    private static string FamilyOf(string name, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.GetValueOrDefault(name[..^suffix.Length]) is "histogram" or "summary"
                && (suffix != "_bucket" || types[name[..^suffix.Length]] == "histogram"))
            {
                return name[..^suffix.Length];
            }
        }
        if (types.GetValueOrDefault(name) is "histogram")
        {
            throw new FormatException($"A histogram's samples are {name}_bucket, _sum and _count, not {name}.");
        }
        return name;
    }

    private static void CheckHistogram(PrometheusFamily histogram)
    {
        var name = histogram.Name;
        foreach (var group in histogram.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal))))
        {
            var buckets = group.Where(s => s.Name == name + "_bucket")
                .Select(s => (Le: s.Labels.TryGetValue("le", out var le) ? ParseValue(le) : throw new FormatException($"{name}_bucket without le."), s.Value))
                .OrderBy(b => b.Le)
                .ToList();
            if (buckets.Count == 0 || !double.IsPositiveInfinity(buckets[^1].Le))
            {
                throw new FormatException($"{name}{{{group.Key}}} has no le=\"+Inf\" bucket.");
            }
            for (var i = 1; i < buckets.Count; i++)
            {
                if (buckets[i].Value < buckets[i - 1].Value)
                {
                    throw new FormatException($"{name}{{{group.Key}}}: the bucket le={buckets[i].Le} counts less than le={buckets[i - 1].Le}.");
                }
            }
            var count = group.SingleOrDefault(s => s.Name == name + "_count")?.Value ?? throw new FormatException($"{name}{{{group.Key}}} has no _count.");
            if (group.All(s => s.Name != name + "_sum"))
            {
                throw new FormatException($"{name}{{{group.Key}}} has no _sum.");
            }
            if (count != buckets[^1].Value)
            {
                throw new FormatException($"{name}{{{group.Key}}}: _count {count} is not the +Inf bucket's {buckets[^1].Value}.");
            }
        }
    }

    private static PrometheusSample ParseSample(string line)
    {
        var at = 0;
        var name = MetricName().Match(line);
        if (!name.Success)
        {
            throw new FormatException("A sample must start with a metric name.");
        }
        at = name.Length;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (true)
            {
                if (at < line.Length && line[at] == '}')
                {
                    at++;
                    break;
                }
                var label = LabelName().Match(line, at);
                if (!label.Success || label.Index != at)
                {
                    throw new FormatException("Expected a label name.");
                }
                at += label.Length;
                if (at >= line.Length - 1 || line[at] != '=' || line[at + 1] != '"')
                {
                    throw new FormatException($"Expected =\" after the label {label.Value}.");
                }
                at += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (at >= line.Length)
                    {
                        throw new FormatException($"The value of the label {label.Value} is not closed.");
                    }
                    var c = line[at++];
                    if (c == '"')
                    {
                        break;
                    }
                    if (c == '\\')
                    {
                        value.Append(at < line.Length ? line[at++] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new FormatException($"Unknown escape \\{other} in a label value."),
                        } : throw new FormatException("A label value ends in a lone backslash."));
                        continue;
                    }
                    value.Append(c);
                }
                if (!labels.TryAdd(label.Value, value.ToString()))
                {
                    throw new FormatException($"The label {label.Value} is given twice.");
                }
                if (at < line.Length && line[at] == ',')
                {
                    at++;
                }
                else if (at >= line.Length || line[at] != '}')
                {
                    throw new FormatException("Expected , or } after a label.");
                }
            }
        }
        if (at >= line.Length || line[at] is not (' ' or '\t'))
        {
            throw new FormatException("Expected a blank between the series and its value.");
        }
        var rest = line[at..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length is 0 or > 2)
        {
            throw new FormatException("Expected a value and at most a timestamp.");
        }
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw new FormatException($"The timestamp '{rest[1]}' is not an integer.");
        }
        return new PrometheusSample(name.Value, labels, ParseValue(rest[0]));
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when FloatText().IsMatch(text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        _ => throw new FormatException($"'{text}' is not a number."),
    };

    private static void RequireMetricName(string name)
    {
        if (!MetricName().IsMatch(name) || MetricName().Match(name).Length != name.Length)
        {
            throw new FormatException($"'{name}' is not a metric name.");
        }
    }

    private static string Unescape(string help)
    {
        var text = new StringBuilder();
        for (var i = 0; i < help.Length; i++)
        {
            if (help[i] != '\\')
            {
                text.Append(help[i]);
                continue;
            }
            if (++i >= help.Length)
            {
                throw new FormatException("HELP ends in a lone backslash.");
            }
            text.Append(help[i] switch
            {
                '\\' => '\\',
                'n' => '\n',
                var other => throw new FormatException($"Unknown escape \\{other} in HELP."),
            });
        }
        return text.ToString();
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex("[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex FloatText();
}
