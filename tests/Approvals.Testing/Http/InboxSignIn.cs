using System.Net;
using System.Text.RegularExpressions;

namespace Approvals.Testing.Http;

/// <summary>
/// Signs in on the reviewer inbox's sign-in page over plain HTTP, as a browser does: the page's anti-forgery
/// cookie and form token, then the form post with a token or an API key. Used by tests that need the inbox
/// session without a browser (the session cookie's value is the server's business, so it is never made up).
/// </summary>
public static partial class InboxSignIn
{
    public const string SessionCookie = "approvals_session";
    public const string AntiforgeryCookie = "approvals_antiforgery";

    /// <summary>
    /// Signs in with <paramref name="credential"/> on <paramref name="signInPath"/> (the sign-in page, with a
    /// <c>returnUrl</c> if wanted), over a client that follows no redirect and keeps no cookie.
    /// </summary>
    public static async Task<InboxSession> SignInAsync(HttpClient http, string credential, string signInPath = "/signin") =>
        await PostAsync(http, await ReadFormAsync(http, signInPath), credential, signInPath);

    /// <summary>The sign-in page's anti-forgery cookie (as a browser sends it back) and form token.</summary>
    public static async Task<InboxSignInForm> ReadFormAsync(HttpClient http, string signInPath = "/signin")
    {
        using var form = await http.GetAsync(signInPath);
        return new InboxSignInForm(SetCookie(form, AntiforgeryCookie).Split(';')[0], FormToken(await form.Content.ReadAsStringAsync()));
    }

    /// <summary>
    /// Posts the sign-in <paramref name="form"/> (read from any node) with <paramref name="credential"/> to
    /// <paramref name="http"/>, and returns the session it starts.
    /// </summary>
    public static async Task<InboxSession> PostAsync(HttpClient http, InboxSignInForm form, string credential, string signInPath = "/signin")
    {
        ArgumentNullException.ThrowIfNull(form);
        using var post = new HttpRequestMessage(HttpMethod.Post, signInPath)
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "signin",
                ["__RequestVerificationToken"] = form.Token,
                ["token"] = credential,
            }),
        };
        post.Headers.Add("Cookie", form.Cookie);
        using var signedIn = await http.SendAsync(post);
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, $"signing in answered {(int)signedIn.StatusCode}");
        var session = SetCookie(signedIn, SessionCookie);
        return new InboxSession($"{form.Cookie}; {session.Split(';')[0]}", session, signedIn.Headers.Location?.OriginalString);
    }

    /// <summary>The one <c>Set-Cookie</c> header of <paramref name="response"/> that sets <paramref name="name"/>, flags included.</summary>
    public static string SetCookie(HttpResponseMessage response, string name) =>
        Assert.Single(response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [], v => v.StartsWith(name + "=", StringComparison.Ordinal));

    /// <summary>The anti-forgery token of the form on an inbox page.</summary>
    public static string FormToken(string html) =>
        FormTokenField().Match(html) is { Success: true } match
            ? match.Groups[1].Value
            : throw new Xunit.Sdk.XunitException("The page has no anti-forgery token.");

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex FormTokenField();
}

/// <param name="Cookies">The <c>Cookie</c> header a browser would send from now on.</param>
/// <param name="SetCookie">The session's <c>Set-Cookie</c> header, flags included.</param>
/// <param name="Location">Where the sign-in sent the browser next.</param>
public sealed record InboxSession(string Cookies, string SetCookie, string? Location);

/// <param name="Cookie">The anti-forgery cookie as a browser sends it back (<c>name=value</c>).</param>
/// <param name="Token">The form's anti-forgery token.</param>
public sealed record InboxSignInForm(string Cookie, string Token);
