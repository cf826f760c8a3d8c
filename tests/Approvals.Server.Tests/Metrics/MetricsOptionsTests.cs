using Approvals.Server.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Approvals.Server.Tests.Metrics;

/// <summary><c>Approvals:Metrics</c> binds from configuration, with the defaults in code, and refuses values that make no sense.</summary>
public sealed class MetricsOptionsTests
{
    [Fact]
    public void Defaults_AndBoundValues()
    {
        Assert.Equal(new MetricsOptions().StoreCacheDuration, Bind().StoreCacheDuration);
        Assert.False(Bind().AllowAnonymous);

        var bound = Bind(("AllowAnonymous", "true"), ("StoreCacheDuration", "00:00:30"), ("StoreReadTimeout", "00:00:01"));
        Assert.True(bound.AllowAnonymous);
        Assert.Equal(TimeSpan.FromSeconds(30), bound.StoreCacheDuration);
        Assert.Equal(TimeSpan.FromSeconds(1), bound.StoreReadTimeout);
    }

    [Theory]
    [InlineData("StoreCacheDuration", "-00:00:01")]
    [InlineData("StoreCacheDuration", "00:05:01")]
    [InlineData("StoreReadTimeout", "00:00:00")]
    [InlineData("StoreReadTimeout", "00:00:31")]
    public void OutOfRange_IsRefused(string key, string value)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Bind((key, value)));
        Assert.Contains($"Approvals:Metrics:{key}", error.Message, StringComparison.Ordinal);
    }

    private static MetricsOptions Bind(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>($"{MetricsOptions.Section}:{s.Key}", s.Value)))
            .Build();
        using var services = new ServiceCollection().AddLogging().AddApprovalsMetrics(configuration).BuildServiceProvider();
        return services.GetRequiredService<IOptions<MetricsOptions>>().Value;
    }
}
