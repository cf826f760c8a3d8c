namespace Approvals.Testing;

/// <summary>Waits on a condition with a deadline (tests never sleep a fixed time).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan within, string what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {within.TotalSeconds:0.#} s waiting for: {what}");
            }
            await Task.Delay(20);
        }
    }
}
