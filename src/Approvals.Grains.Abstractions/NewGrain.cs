namespace Approvals.Grains.Abstractions;

/// <summary>
/// A caller that has just minted a request's or run's id (<c>Ids.New</c>: a millisecond stamp and 80 random
/// bits) knows nothing can be stored under it yet. It says so in Orleans' <see cref="RequestContext"/>, naming
/// the grain, and the grain storage then skips the read the activation would make: on a create that read only
/// ever finds nothing, and it costs a database round trip per request. Only a hint: were it wrong, the create's
/// write (version 0) would conflict with the stored row, and the grain would read the row and decide again.
/// </summary>
public static class NewGrain
{
    private const string Key = "approvals.new_grain";

    /// <summary>Announces that the grain keyed <paramref name="grainKey"/> has nothing stored, for the calls this flow makes next.</summary>
    public static void Announce(string grainKey) => RequestContext.Set(Key, grainKey);

    /// <summary>
    /// Withdraws the announcement: the caller does so once its call returned, and the grain at the start of its
    /// turn, so that a read it makes itself (after a lost race) and the calls it makes on go to the database.
    /// </summary>
    public static void Forget() => RequestContext.Remove(Key);

    /// <summary>Runs <paramref name="create"/> (the first call to the grain keyed <paramref name="grainKey"/>) with the grain announced as new.</summary>
    public static async Task<T> CreateAsync<T>(string grainKey, Func<Task<T>> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        Announce(grainKey);
        try
        {
            return await create();
        }
        finally
        {
            Forget();
        }
    }

    /// <summary>Whether the flow announced the grain keyed <paramref name="grainKey"/> as new.</summary>
    public static bool IsAnnounced(string grainKey) => RequestContext.Get(Key) is string announced && announced == grainKey;
}
