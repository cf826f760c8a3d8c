using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Approvals.Server.Tests.Contract;

/// <summary>One generated request, printable exactly as sent so that a failure can be replayed.</summary>
public sealed record FuzzRequest(ApiOperation Operation, string Url, string Credential, IReadOnlyList<(string Name, string Value)> Headers,
    string? Body, string? ContentType)
{
    public override string ToString()
    {
        var text = new StringBuilder($"{Operation.Method} {Url} as {Credential}");
        foreach (var (name, value) in Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  {name}: {OpenApiContract.Shorten(value)}");
        }
        if (Body is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  Content-Type: {ContentType}\n  {OpenApiContract.Shorten(Body)}");
        }
        return text.ToString();
    }
}

/// <summary>
/// What the fuzzer knows of the server it tests: whom to call as, and ids and cursors that exist. The pools
/// grow as the run creates things, so later requests reach the resources earlier ones made.
/// </summary>
public sealed class FuzzWorld
{
    /// <summary>Credential label → the headers that present it (none for anonymous).</summary>
    public List<(string Label, (string Name, string Value)[] Headers)> Credentials { get; } = [];

    /// <summary>Path parameter name → values that name something real (of this tenant or another).</summary>
    public Dictionary<string, List<string>> Ids { get; } = new(StringComparer.Ordinal);

    public List<string> ApprovalCursors { get; } = [];

    public List<string> AuditCursors { get; } = [];

    /// <summary>Ids are kept per resource: <c>approvals:id</c>, <c>workflows:step</c>, …</summary>
    public static string PoolOf(string template, string parameter) => $"{template.Split('/')[2]}:{parameter}";

    public void AddId(string pool, string value)
    {
        if (!Ids.TryGetValue(pool, out var list))
        {
            Ids[pool] = list = [];
        }
        if (!list.Contains(value))
        {
            list.Add(value);
        }
    }

    /// <summary>Tokens whose claims a careless identity provider (or an attacker) might send.</summary>
    public static string MintRaw(IDictionary<string, object> claims, byte[]? key = null, DateTime? expires = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TestTokens.Issuer,
            Audience = TestTokens.Audience,
            Claims = claims,
            IssuedAt = DateTime.UtcNow.AddMinutes(-10),
            NotBefore = DateTime.UtcNow.AddMinutes(-10),
            Expires = expires ?? DateTime.UtcNow.AddHours(2),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? TestTokens.KeyBytes), SecurityAlgorithms.HmacSha256),
        });
}

/// <summary>
/// The request generator: any operation of the document, with valid and invalid path values, query values,
/// headers, bodies and credentials. Invalid inputs are the ones that broke servers like this one: deep
/// nesting, NUL and other control characters (in bodies, query values, path values and decoded cursors),
/// duplicate property names, lone surrogates, malformed JSON, oversized bodies, bad tokens and keys.
/// </summary>
public sealed class FuzzRequests(OpenApiContract contract, FuzzWorld world, SchemaValues values)
{
    private const int BodyLimit = 256 * 1024;

    private static readonly Gen<string> Garbage = Choose.One(
        "", " ", "x", "%00", "a%00b", "%01%1F", "%7F", "%FF", "%ED%A0%80", "%C3%A9", "%0A", "%0D%0A", "..%2F..%2F", "%2F", "%25",
        "-1", "0", "99999999999999999999", "1e3", "null", "true", "%22%22", "*", "%2A", "apr_" + new string('x', 3000),
        "2026-13-45T99:99:99Z", "2026-01-01T00:00:00Z", "%E2%80%AE", "%F0%9F%98%80");

    /// <summary>Cursors that decode to something this API never issued: NUL and control characters, bad numbers, non-UTF-8.</summary>
    private static readonly Gen<string> BadCursor = Choose.One(
        Cursor("638000000000000000|apr_\0x"), Cursor("638000000000000000|\u0001"), Cursor("638000000000000000|apr_\ud800"),
        Cursor("-5|apr_x"), Cursor("99999999999999999999|apr_x"), Cursor("638000000000000000"), Cursor("seq:\0"), Cursor("seq:-1"),
        Cursor("seq:99999999999999999999"), "!!!", "%00", "AA", new string('A', 2000), Convert.ToBase64String([0xFF, 0xFE, 0x00, 0x7C, 0x00]));

    public Gen<FuzzRequest> Any => Gen.Int[0, contract.Operations.Count - 1].SelectMany(i => For(contract.Operations[i]));

    public Gen<FuzzRequest> For(ApiOperation operation) =>
        Gen.Select(CredentialGen, PathGen(operation), QueryGen(operation), HeadersGen(operation), BodyGen(operation),
            (credential, path, query, headers, body) => new FuzzRequest(operation, path + query, credential.Label,
                [.. credential.Headers, .. headers], body.Text, body.ContentType));

    private Gen<(string Label, (string Name, string Value)[] Headers)> CredentialGen =>
        Gen.Int[0, int.MaxValue].Select(i => world.Credentials[i % world.Credentials.Count]);

    private Gen<string> PathGen(ApiOperation operation)
    {
        var path = Gen.Const(operation.Template);
        foreach (var parameter in operation.Parameters.Where(p => p["in"]!.GetValue<string>() == "path"))
        {
            var name = parameter["name"]!.GetValue<string>();
            var pool = FuzzWorld.PoolOf(operation.Template, name);
            var known = Gen.Int[0, int.MaxValue].Select(i => world.Ids.TryGetValue(pool, out var ids) && ids.Count > 0
                ? Uri.EscapeDataString(ids[i % ids.Count]) : "none");
            // Empty would route elsewhere (another operation), so garbage is never empty here.
            var value = Gen.Frequency((6, known), (3, Garbage.Select(g => g.Trim().Length == 0 ? "%20" : g)));
            path = path.SelectMany(p => value.Select(v => p.Replace("{" + name + "}", v, StringComparison.Ordinal)));
        }
        return path;
    }

    private Gen<string> QueryGen(ApiOperation operation)
    {
        var query = Gen.Const("");
        foreach (var parameter in operation.Parameters.Where(p => p["in"]!.GetValue<string>() == "query"))
        {
            var name = parameter["name"]!.GetValue<string>();
            var valid = ValidQueryValue(operation, name, parameter["schema"]);
            var invalid = name == "cursor" ? Gen.OneOf(BadCursor, Garbage) : Garbage;
            var value = Gen.Frequency((5, Gen.Const((string?)null)), (4, valid.Select(v => (string?)v)), (2, invalid.Select(v => (string?)v)));
            query = query.SelectMany(q => value.Select(v => v is null ? q : $"{q}{(q.Length == 0 ? "?" : "&")}{name}={v}"));
        }
        return query;
    }

    private Gen<string> ValidQueryValue(ApiOperation operation, string name, JsonNode? schema)
    {
        if (name == "cursor")
        {
            var cursors = operation.Template.StartsWith("/v1/audit", StringComparison.Ordinal) ? world.AuditCursors : world.ApprovalCursors;
            return Gen.Int[0, int.MaxValue].Select(i => cursors.Count > 0 ? cursors[i % cursors.Count] : "none");
        }
        if (name == "wait")
        {
            // A wait holds a pending request open for that long: the fuzzer only asks for none.
            return Gen.Const("0");
        }
        return schema is null ? Gen.Const("x") : values.For(schema).Select(v => Uri.EscapeDataString(QueryText(v)));
    }

    /// <summary>A value as query text: a list comma-separated, a string as it is, anything else as JSON.</summary>
    private static string QueryText(JsonNode? value) => value switch
    {
        null => "",
        JsonArray items => string.Join(",", items.Select(QueryText)),
        JsonValue text when text.TryGetValue<string>(out var s) => s,
        _ => value.ToJsonString(),
    };

    private Gen<(string Name, string Value)[]> HeadersGen(ApiOperation operation)
    {
        var headers = Gen.Const(System.Collections.Immutable.ImmutableList<(string, string)>.Empty);
        foreach (var parameter in operation.Parameters.Where(p => p["in"]!.GetValue<string>() == "header"))
        {
            var name = parameter["name"]!.GetValue<string>();
            Gen<string> value = name switch
            {
                "Idempotency-Key" => Gen.OneOf(Gen.Const("fuzz-reused-key"), Gen.Guid.Select(g => g.ToString()), Gen.Const(new string('k', 300)),
                    Gen.Const("é")),
                "If-Match" => Choose.One("\"1\"", "\"2\"", "\"3\"", "*", "W/\"1\"", "garbage", "\"-1\"", "\"99999999999999999999\"", "\"\"", ""),
                "Last-Event-ID" => Choose.One("evt_unknown", "garbage", "", new string('e', 2000)),
                _ => Gen.Const("x"),
            };
            var maybe = Gen.Frequency((2, Gen.Const((string?)null)), (1, value.Select(v => (string?)v)));
            headers = headers.SelectMany(list => maybe.Select(v => v is null ? list : list.Add((name, v))));
        }
        return headers.Select(list => list.ToArray());
    }

    private Gen<(string? Text, string? ContentType)> BodyGen(ApiOperation operation)
    {
        if (operation.Method != "POST")
        {
            return Gen.Const(((string?)null, (string?)null));
        }
        var json = "application/json";
        if (operation.BodySchema is not { } schema)
        {
            return Gen.Frequency((4, Gen.Const(((string?)null, (string?)null))), (1, Broken.Select(b => ((string?)b, (string?)json))));
        }
        var valid = values.For(schema);
        return Gen.Frequency(
            (8, valid.Select(v => ((string?)(v?.ToJsonString() ?? "null"), (string?)json))),
            (2, valid.SelectMany(v => Mutated(v)).Select(text => ((string?)text, (string?)json))),
            (2, Broken.Select(b => ((string?)b, (string?)json))),
            (1, Choose.One<(string?, string?)>(("{\"title\":\"x\"}", "text/plain"), ("title=x", "application/x-www-form-urlencoded"), (null, null))));
    }

    /// <summary>A valid body changed in one way that the server must refuse cleanly (or accept).</summary>
    private static Gen<string> Mutated(JsonNode? valid)
    {
        var body = valid as JsonObject ?? [];
        var text = body.ToJsonString();
        var first = body.Select(p => p.Key).FirstOrDefault();
        var open = text.Length > 1 ? text[..^1] + (body.Count > 0 ? "," : "") : "{";
        return Gen.OneOf(
            // Deep nesting around the stored JSON values' depth limits.
            Choose.One(10, 30, 58, 59, 60, 61, 62, 63, 64, 65, 100, 1000).SelectMany(depth =>
                Choose.One("context", "input", "output").Select(field => open + $"\"{field}\":" + Nested(depth) + "}")),
            // NUL and other control characters in every text member.
            Choose.One("\\u0000", "\\u0001", "\\u001f", "\\u007f", "a\\u0000b", "\\t", "\\n").Select(c => Replace(text, c)),
            // Lone surrogates in a value and in a property name.
            Choose.One(Replace(text, "\\ud800"), Replace(text, "\\udfff"), open + "\"\\ud800\":1}", open + "\"a\\udc00\":\"x\"}"),
            // Duplicate property names.
            Gen.Const(first is null ? "{\"a\":1,\"a\":2}" : open + $"\"{first}\":{body[first]?.ToJsonString() ?? "null"}}}"),
            // Wrong types, missing and extra members, huge strings.
            Choose.One("1", "true", "\"x\"", "[]", "[1,2]").Select(v => first is null ? v : ReplaceMember(body, first, v)),
            Gen.Const(first is null ? "{}" : RemoveMember(body, first)),
            Gen.Const(open + "\"unknown_member\":{\"x\":[1,2,3]}}"),
            Choose.One(1000, 70_000, 200_000, BodyLimit + 1).Select(n => Replace(text, new string('x', n))));
    }

    private static readonly Gen<string> Broken = Choose.One(
        "", " ", "{", "}", "{\"a\":", "null", "[]", "\"x\"", "1", "{\"a\":1,\"a\":2}", "{\"\\ud800\":1}", "{\"title\":\"\\ud800\"}",
        "{'title':'x'}", "{\"title\":\"x\"} trailing", "\u0000", "{\"a\":\"\u0000\"}", new string('[', 5000), "{\"a\":" + Nested(200) + "}",
        "{\"title\":\"" + new string('y', BodyLimit) + "\"}");

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    /// <summary>Every string value of the body replaced by one holding <paramref name="escaped"/> (JSON-escaped text).</summary>
    private static string Replace(string json, string escaped) =>
        System.Text.RegularExpressions.Regex.Replace(json, "(?<=:)\"(?:[^\"\\\\]|\\\\.)*\"", "\"" + escaped.Replace("$", "$$", StringComparison.Ordinal) + "\"");

    private static string ReplaceMember(JsonObject body, string name, string rawValue)
    {
        var copy = body.DeepClone().AsObject();
        copy.Remove(name);
        var text = copy.ToJsonString();
        return text[..^1] + (copy.Count > 0 ? "," : "") + $"\"{name}\":{rawValue}}}";
    }

    private static string RemoveMember(JsonObject body, string name)
    {
        var copy = body.DeepClone().AsObject();
        copy.Remove(name);
        return copy.ToJsonString();
    }

    private static string Cursor(string decoded) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(decoded)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>One of given values, uniformly.</summary>
internal static class Choose
{
    public static Gen<T> One<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);
}
