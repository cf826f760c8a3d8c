namespace Approvals.Core;

/// <summary>
/// The one rule for text that callers hand us, wherever it arrives (a body's strings, a query value,
/// a path segment, a cursor, a token claim): no C0 control character but tab, line feed and carriage
/// return, and no lone UTF-16 surrogate. PostgreSQL cannot store U+0000 at all, a lone surrogate
/// cannot be encoded as UTF-8, and the other controls are never meant as data in this API.
/// </summary>
public static class InputText
{
    /// <summary>True when <paramref name="text"/> holds nothing the rule refuses.</summary>
    public static bool IsClean(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < ' ' && c is not ('\t' or '\n' or '\r'))
            {
                return false;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The message a refusal gives for the field.</summary>
    public static string Refusal(string field) =>
        $"{field} must not contain control characters (other than tab and line breaks) or unpaired surrogates.";
}
