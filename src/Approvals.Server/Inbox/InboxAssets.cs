using System.Reflection;
using System.Security.Cryptography;

namespace Approvals.Server.Inbox;

/// <summary>
/// The inbox's stylesheet and script, embedded in the server's assembly and served by it: no front-end
/// build, no CDN, nothing to copy beside the program. Their URLs carry a hash of their content, so a
/// browser may keep them for good and still gets a new version the moment one ships.
/// </summary>
public static class InboxAssets
{
    private static readonly Asset Style = Load("inbox.css", "text/css; charset=utf-8");
    private static readonly Asset Code = Load("inbox.js", "text/javascript; charset=utf-8");

    /// <summary>The stylesheet's URL.</summary>
    public static string Css => Style.Url;

    /// <summary>The script's URL.</summary>
    public static string Script => Code.Url;

    internal static void Map(IEndpointRouteBuilder routes)
    {
        foreach (var asset in new[] { Style, Code })
        {
            routes.MapGet("/ui/" + asset.Name, (HttpContext http) =>
            {
                http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
                http.Response.Headers.XContentTypeOptions = "nosniff";
                return Results.Bytes(asset.Content, asset.ContentType);
            }).ExcludeFromDescription();
        }
    }

    private static Asset Load(string name, string contentType)
    {
        var assembly = Assembly.GetExecutingAssembly();
        using var stream = assembly.GetManifestResourceStream($"Approvals.Server.Inbox.Assets.{name}")
            ?? throw new InvalidOperationException($"The inbox asset {name} is not embedded in {assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var content = copy.ToArray();
        var version = Convert.ToHexStringLower(SHA256.HashData(content))[..12];
        return new Asset(name, contentType, content, $"/ui/{name}?v={version}");
    }

    private sealed record Asset(string Name, string ContentType, byte[] Content, string Url);
}
