using System.Security.Cryptography;
using System.Text;

namespace Approvals.Server.Tests.Webhooks;

/// <summary>
/// An independent verifier of the Standard Webhooks signature, written from the specification and not
/// from the server's code: HMAC-SHA256, keyed with the base64 after <c>whsec_</c>, over
/// <c>{webhook-id}.{webhook-timestamp}.{body}</c>; the header lists space-separated <c>v1,&lt;base64&gt;</c> signatures.
/// </summary>
public static class StandardWebhooks
{
    public static bool Verify(string secret, ReceivedHook hook)
    {
        if (hook.Id is null || hook.Timestamp is null || hook.Signature is null || !secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            return false;
        }
        using var hmac = new HMACSHA256(Convert.FromBase64String(secret["whsec_".Length..]));
        var expected = hmac.ComputeHash(Encoding.UTF8.GetBytes($"{hook.Id}.{hook.Timestamp}.{hook.Body}"));
        foreach (var candidate in hook.Signature.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = candidate.Split(',', 2);
            if (parts.Length == 2 && parts[0] == "v1"
                && CryptographicOperations.FixedTimeEquals(expected, Convert.FromBase64String(parts[1])))
            {
                return true;
            }
        }
        return false;
    }
}
