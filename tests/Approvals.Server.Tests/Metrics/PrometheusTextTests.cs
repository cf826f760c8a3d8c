namespace Approvals.Server.Tests.Metrics;

/// <summary>The test's reader of the text format accepts what Prometheus accepts and refuses the rest, so a scrape that parses means something.</summary>
public sealed class PrometheusTextTests
{
    private const string Valid = """
        # A comment.
        # HELP requests_total Requests served.\nSecond line, a \\ backslash.
        # TYPE requests_total counter
        requests_total{code="200",path="/a \"quoted\" \\ path\n"} 1027 1395066363000
        requests_total{code="500",path="/"} 3
        # TYPE temperature gauge
        temperature -3.5e1
        temperature{room="b"} NaN
        # TYPE latency_seconds histogram
        latency_seconds_bucket{le="0.1"} 2
        latency_seconds_bucket{le="1"} 5
        latency_seconds_bucket{le="+Inf"} 6
        latency_seconds_sum{} 3.25
        latency_seconds_count 6
        untyped_thing{a="x",} +Inf

        """;

    [Fact]
    public void Parse_ReadsFamiliesTypesHelpLabelsAndValues()
    {
        var text = PrometheusText.Parse(Valid);

        Assert.Equal(["latency_seconds", "requests_total", "temperature", "untyped_thing"], text.Families.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("counter", text.Families["requests_total"].Type);
        Assert.Equal("Requests served.\nSecond line, a \\ backslash.", text.Families["requests_total"].Help);
        Assert.Equal(1027, text.Value("requests_total", ("code", "200"), ("path", "/a \"quoted\" \\ path\n")));
        Assert.Equal(-35, text.Value("temperature"));
        Assert.True(double.IsNaN(text.Value("temperature", ("room", "b"))!.Value));
        Assert.Equal(5, text.Value("latency_seconds_bucket", ("le", "1")));
        Assert.Equal(6, text.Value("latency_seconds_count"));
        Assert.Equal("untyped", text.Families["untyped_thing"].Type);
        Assert.Null(text.Value("requests_total", ("code", "200")));
        Assert.Equal(0, text.Counter("requests_total", ("code", "404"), ("path", "/")));
    }

    [Theory]
    [InlineData("no_newline 1", "line feed")]
    [InlineData("1bad_name 1\n", "metric name")]
    [InlineData("name{label=\"unclosed} 1\n", "not closed")]
    [InlineData("name{label=unquoted} 1\n", "=\"")]
    [InlineData("name{1label=\"x\"} 1\n", "label name")]
    [InlineData("name{a=\"x\",a=\"y\"} 1\n", "twice")]
    [InlineData("name{a=\"\\t\"} 1\n", "escape")]
    [InlineData("name{a=\"x\"}1\n", "blank")]
    [InlineData("name one\n", "not a number")]
    [InlineData("name 1 2 3\n", "at most a timestamp")]
    [InlineData("name 1 1.5\n", "timestamp")]
    [InlineData("name 1\nname 2\n", "twice")]
    [InlineData("a 1\nb 1\na{x=\"1\"} 1\n", "one group")]
    [InlineData("a 1\n# TYPE a gauge\n", "after its samples")]
    [InlineData("# TYPE a gauge\n# TYPE a gauge\n", "twice")]
    [InlineData("# TYPE a meter\n", "Unknown type")]
    [InlineData("# TYPE a counter\na -1\n", "counter")]
    [InlineData("# TYPE h histogram\nh 1\n", "_bucket")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "+Inf")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "counts less")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n", "_count")]
    [InlineData("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\nh_count 1\n", "_sum")]
    public void Parse_RefusesWhatPrometheusRefuses(string text, string reason)
    {
        var error = Assert.Throws<FormatException>(() => PrometheusText.Parse(text));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
