using System.Text;
using Approvals.Core.Storage;

namespace Approvals.Core.Tests.Storage;

/// <summary>The opaque list cursor: round trip and rejection of anything it did not produce.</summary>
public class PageCursorTests
{
    private static string Base64Url(string raw) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(raw)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static TheoryData<string> Ids() => new("apr_1", "apr_01JH5Q2ZK8", "a", "id|with|pipes", "ünïcødé-ид", "x>?~", new string('z', 300));

    [Theory]
    [MemberData(nameof(Ids))]
    public void EncodeThenTryDecode_RoundTrips(string id)
    {
        var cursor = new PageCursor(new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero).AddTicks(1234567), id);

        Assert.True(PageCursor.TryDecode(cursor.Encode(), out var decoded));

        Assert.Equal(cursor, decoded);
    }

    [Fact]
    public void EncodeThenTryDecode_ExtremeTimes_RoundTrip()
    {
        foreach (var at in new[] { DateTimeOffset.MinValue, DateTimeOffset.MaxValue, DateTimeOffset.UnixEpoch })
        {
            var cursor = new PageCursor(at, "apr_1");

            Assert.True(PageCursor.TryDecode(cursor.Encode(), out var decoded));
            Assert.Equal(cursor, decoded);
        }
    }

    [Fact]
    public void EncodeThenTryDecode_OffsetTime_DecodesToSameInstantInUtc()
    {
        var at = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.FromHours(-7));

        Assert.True(PageCursor.TryDecode(new PageCursor(at, "apr_1").Encode(), out var decoded));

        Assert.Equal(at.UtcTicks, decoded!.At.UtcTicks);
        Assert.Equal(TimeSpan.Zero, decoded.At.Offset);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Encode_IsUrlSafe(string id)
    {
        var text = new PageCursor(DateTimeOffset.UnixEpoch.AddTicks(987654321), id + "??>>").Encode();

        Assert.Matches("^[A-Za-z0-9_-]+$", text);
    }

    [Fact]
    public void Encode_DifferentPositions_GiveDifferentText()
    {
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.NotEqual(new PageCursor(at, "apr_1").Encode(), new PageCursor(at, "apr_2").Encode());
        Assert.NotEqual(new PageCursor(at, "apr_1").Encode(), new PageCursor(at.AddTicks(1), "apr_1").Encode());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("!!!")]
    [InlineData("a")]
    [InlineData("not a cursor")]
    [InlineData("====")]
    [InlineData("%%%%")]
    [InlineData("☃☃☃☃")]
    public void TryDecode_Garbage_ReturnsFalse(string? text)
    {
        Assert.False(PageCursor.TryDecode(text, out var cursor));
        Assert.Null(cursor);
    }

    [Theory]
    [InlineData("no pipe at all")]
    [InlineData("638712345678901234|")]
    [InlineData("|apr_1")]
    [InlineData("-5|apr_1")]
    [InlineData("+5|apr_1")]
    [InlineData(" 5|apr_1")]
    [InlineData("12a|apr_1")]
    [InlineData("1.5|apr_1")]
    [InlineData("99999999999999999999999|apr_1")]
    [InlineData("3155378976000000000|apr_1")]
    public void TryDecode_WellEncodedButMalformedContent_ReturnsFalse(string raw)
    {
        Assert.False(PageCursor.TryDecode(Base64Url(raw), out var cursor));
        Assert.Null(cursor);
    }

    [Fact]
    public void TryDecode_LargestValidTicks_IsAccepted()
    {
        Assert.True(PageCursor.TryDecode(Base64Url($"{DateTimeOffset.MaxValue.UtcTicks}|apr_1"), out var cursor));
        Assert.Equal(DateTimeOffset.MaxValue, cursor!.At);
    }

    [Fact]
    public void TryDecode_TextLongerThan1024Chars_ReturnsFalse()
    {
        var text = new PageCursor(DateTimeOffset.UnixEpoch, new string('z', 800)).Encode();
        Assert.True(text.Length > 1024);

        Assert.False(PageCursor.TryDecode(text, out var cursor));
        Assert.Null(cursor);
    }

    [Fact]
    public void TryDecode_TruncatedCursor_DoesNotRoundTrip()
    {
        var cursor = new PageCursor(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), "apr_123456");
        var text = cursor.Encode();

        var ok = PageCursor.TryDecode(text[..^3], out var decoded);

        Assert.False(ok && cursor.Equals(decoded));
    }
}
