using System.Text.Json.Nodes;
using Approvals.Contracts;
using Approvals.Core.Events;

namespace Approvals.Core.Tests.Events;

/// <summary>Canonical JSON and the per-subject hash chain.</summary>
public class EventHasherTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private static EventRecord SealSample(string? prevHash = null) =>
        EventHasher.Seal("evt_1", new NewEvent(EventTypes.ApprovalApproved, "user_rev", new JsonObject { ["b"] = 1, ["a"] = "x" }),
            "default", "apr_1", T0, prevHash);

    // ---- Canonicalize ----

    [Fact]
    public void Canonicalize_SortsKeysRecursivelyAndIsCompact()
    {
        var node = JsonNode.Parse("""
            {
              "zeta": 1,
              "alpha": { "y": [ { "d": 4, "c": 3 }, 2, "s" ], "x": null },
              "mid": true
            }
            """);

        Assert.Equal("""{"alpha":{"x":null,"y":[{"c":3,"d":4},2,"s"]},"mid":true,"zeta":1}""", EventHasher.Canonicalize(node));
    }

    [Fact]
    public void Canonicalize_SortsKeysOrdinally()
    {
        var node = new JsonObject { ["b"] = 1, ["a"] = 2, ["B"] = 3, ["aa"] = 4, ["_"] = 5, ["1"] = 6 };

        Assert.Equal("""{"1":6,"B":3,"_":5,"a":2,"aa":4,"b":1}""", EventHasher.Canonicalize(node));
    }

    [Fact]
    public void Canonicalize_KeepsArrayOrder()
    {
        Assert.Equal("[3,1,2]", EventHasher.Canonicalize(JsonNode.Parse("[ 3, 1, 2 ]")));
    }

    [Fact]
    public void Canonicalize_SameContentInAnyKeyOrder_GivesSameText()
    {
        var a = JsonNode.Parse("""{"a":1,"b":{"c":2,"d":[1,{"f":1,"e":2}]}}""");
        var b = JsonNode.Parse("""{ "b" : { "d" : [1, {"e":2, "f":1}], "c" : 2 }, "a" : 1 }""");

        Assert.Equal(EventHasher.Canonicalize(a), EventHasher.Canonicalize(b));
    }

    [Fact]
    public void Canonicalize_Null_IsJsonNull()
    {
        Assert.Equal("null", EventHasher.Canonicalize(null));
    }

    [Fact]
    public void Canonicalize_EmptyObjectAndArray_AreCompact()
    {
        Assert.Equal("""{"a":{},"b":[]}""", EventHasher.Canonicalize(JsonNode.Parse("""{ "b" : [ ], "a" : { } }""")));
    }

    [Fact]
    public void Canonicalize_ContainsNoInsignificantWhitespace()
    {
        var text = EventHasher.Canonicalize(JsonNode.Parse("""{ "k": [ 1 , 2 ], "o": { "p": "a b" } }"""));

        Assert.Equal("""{"k":[1,2],"o":{"p":"a b"}}""", text);
        Assert.DoesNotContain('\n', text);
    }

    [Fact]
    public void Canonicalize_KeepsNonAsciiUnescapedAndEscapesQuotes()
    {
        var node = new JsonObject { ["name"] = "Zoë \"Z\" 日本", ["line"] = "a\nb" };

        Assert.Equal("{\"line\":\"a\\nb\",\"name\":\"Zoë \\\"Z\\\" 日本\"}", EventHasher.Canonicalize(node));
    }

    [Fact]
    public void Canonicalize_IsIdempotent()
    {
        var once = EventHasher.Canonicalize(JsonNode.Parse("""{"b":[{"d":1,"c":2}],"a":null}"""));

        Assert.Equal(once, EventHasher.Canonicalize(JsonNode.Parse(once)));
    }

    // ---- FormatTime ----

    [Fact]
    public void FormatTime_IsUtcWithSixFractionalDigits()
    {
        var at = new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(1234567);

        Assert.Equal("2026-03-04T03:06:07.123456Z", EventHasher.FormatTime(at));
        Assert.Equal("2026-01-01T09:00:00.000000Z", EventHasher.FormatTime(T0));
    }

    // ---- Seal / ComputeHash ----

    [Fact]
    public void Seal_StampsTheEventAndItsHash()
    {
        var sealedEvent = SealSample("abc");

        Assert.Equal("evt_1", sealedEvent.Id);
        Assert.Equal(0, sealedEvent.Seq);
        Assert.Equal(EventTypes.ApprovalApproved, sealedEvent.Type);
        Assert.Equal("default", sealedEvent.TenantId);
        Assert.Equal("apr_1", sealedEvent.SubjectId);
        Assert.Equal("user_rev", sealedEvent.Actor);
        Assert.Equal(T0, sealedEvent.At);
        Assert.Equal("""{"a":"x","b":1}""", sealedEvent.DataJson);
        Assert.Equal("abc", sealedEvent.PrevHash);
        Assert.Equal(EventHasher.ComputeHash(sealedEvent), sealedEvent.Hash);
        Assert.Matches("^[0-9a-f]{64}$", sealedEvent.Hash);
    }

    [Fact]
    public void Seal_SameInput_GivesSameHash()
    {
        Assert.Equal(SealSample().Hash, SealSample().Hash);
    }

    [Fact]
    public void Seal_DataKeyOrder_DoesNotChangeTheHash()
    {
        var a = EventHasher.Seal("evt_1", new NewEvent("t", "u", new JsonObject { ["x"] = 1, ["y"] = 2 }), "default", "apr_1", T0, null);
        var b = EventHasher.Seal("evt_1", new NewEvent("t", "u", new JsonObject { ["y"] = 2, ["x"] = 1 }), "default", "apr_1", T0, null);

        Assert.Equal(a.Hash, b.Hash);
    }

    public static TheoryData<string> HashedFields() =>
        new("id", "type", "tenant", "subject", "actor", "at", "data", "prev_hash_from_null", "prev_hash_changed");

    private static EventRecord Change(EventRecord e, string field) => field switch
    {
        "id" => e with { Id = "evt_2" },
        "type" => e with { Type = EventTypes.ApprovalRejected },
        "tenant" => e with { TenantId = "acme" },
        "subject" => e with { SubjectId = "apr_2" },
        "actor" => e with { Actor = "user_other" },
        "at" => e with { At = e.At.AddTicks(10) },
        "data" => e with { DataJson = """{"a":"x","b":2}""" },
        "prev_hash_from_null" => e with { PrevHash = new string('0', 64) },
        "prev_hash_changed" => e with { PrevHash = new string('1', 64) },
        _ => throw new ArgumentOutOfRangeException(nameof(field), field, null),
    };

    [Theory]
    [MemberData(nameof(HashedFields))]
    public void ComputeHash_ChangingAnyField_ChangesTheHash(string field)
    {
        var original = field == "prev_hash_changed" ? SealSample(new string('0', 64)) : SealSample();

        var changed = Change(original, field);

        Assert.NotEqual(original.Hash, EventHasher.ComputeHash(changed));
    }

    [Fact]
    public void ComputeHash_PrevHashNullDiffersFromAnyRealPrevHash()
    {
        Assert.NotEqual(SealSample(null).Hash, SealSample(SealSample().Hash).Hash);
    }

    [Fact]
    public void ComputeHash_SeqIsNotHashed_BecauseItIsAssignedAtAppend()
    {
        var e = SealSample();

        Assert.Equal(e.Hash, EventHasher.ComputeHash(e with { Seq = 42 }));
    }

    [Fact]
    public void ComputeHash_IgnoresTheStoredHash()
    {
        var e = SealSample();

        Assert.Equal(e.Hash, EventHasher.ComputeHash(e with { Hash = "forged" }));
    }

    // ---- chain ----

    private static List<EventRecord> Chain(int length)
    {
        var events = new List<EventRecord>();
        string? prev = null;
        for (var i = 0; i < length; i++)
        {
            var e = EventHasher.Seal($"evt_{i}", new NewEvent("approval.decision_recorded", $"user_{i}", new JsonObject { ["n"] = i }),
                "default", "apr_1", T0.AddMinutes(i), prev);
            events.Add(e);
            prev = e.Hash;
        }
        return events;
    }

    /// <summary>The index of the first broken link, or -1 when the chain verifies.</summary>
    private static int FirstBrokenLink(IReadOnlyList<EventRecord> chain)
    {
        string? prev = null;
        for (var i = 0; i < chain.Count; i++)
        {
            if (chain[i].PrevHash != prev || EventHasher.ComputeHash(chain[i]) != chain[i].Hash)
            {
                return i;
            }
            prev = chain[i].Hash;
        }
        return -1;
    }

    [Fact]
    public void Chain_OfSealedEvents_Verifies()
    {
        var chain = Chain(5);

        Assert.Equal(-1, FirstBrokenLink(chain));
        Assert.Null(chain[0].PrevHash);
        Assert.Equal(5, chain.Select(e => e.Hash).Distinct().Count());
    }

    [Fact]
    public void Chain_TamperedEventData_BreaksAtThatEvent()
    {
        var chain = Chain(5);
        chain[2] = chain[2] with { DataJson = """{"n":99}""" };

        Assert.Equal(2, FirstBrokenLink(chain));
    }

    [Fact]
    public void Chain_TamperedAndResealedEvent_BreaksTheNextLink()
    {
        var chain = Chain(5);
        var forged = chain[2] with { Actor = "mallory" };
        chain[2] = forged with { Hash = EventHasher.ComputeHash(forged) };

        Assert.Equal(3, FirstBrokenLink(chain));
    }

    [Fact]
    public void Chain_RemovedEvent_BreaksTheChain()
    {
        var chain = Chain(5);
        chain.RemoveAt(1);

        Assert.Equal(1, FirstBrokenLink(chain));
    }

    [Fact]
    public void Chain_ReorderedEvents_BreakTheChain()
    {
        var chain = Chain(4);
        (chain[1], chain[2]) = (chain[2], chain[1]);

        Assert.Equal(1, FirstBrokenLink(chain));
    }
}
