using System.Net.Http.Headers;
using System.Text;

namespace Approvals.Server.Http;

/// <summary>Headers for responses that a browser or client saves as a file.</summary>
public static class Downloads
{
    /// <summary>
    /// <c>Content-Disposition: attachment</c> naming <paramref name="fileName"/> (RFC 6266): the exact name
    /// in <c>filename*</c> (UTF-8, percent-encoded, RFC 8187) and an ASCII stand-in in <c>filename</c> for
    /// clients that read only that. The name may come from a caller (a tenant id), so nothing in it can
    /// end the parameter or the header: the result is printable ASCII whatever the input.
    /// </summary>
    public static string Attachment(string fileName)
    {
        var header = new ContentDispositionHeaderValue("attachment")
        {
            FileName = AsciiFallback(fileName),
            FileNameStar = fileName,
        };
        return header.ToString();
    }

    /// <summary>
    /// The name with every character but ASCII letters, digits, '.', '-' and '_' replaced by '_'. That
    /// leaves a bare token: no quotes or backslashes to escape, no '%' that some clients would decode.
    /// </summary>
    private static string AsciiFallback(string fileName)
    {
        var fallback = new StringBuilder(fileName.Length);
        foreach (var c in fileName)
        {
            fallback.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }
        return fallback.ToString();
    }
}
