using System.Collections.Concurrent;
using System.Net;

namespace Approvals.Client.Tests.Support;

/// <summary>
/// Sits between the client's retry pipeline and the server (the innermost handler), records every attempt, and
/// does to the chosen ones what a network or a busy server would: the server handles the request, then
/// <see cref="DropResponse"/> loses its answer, <see cref="ReplaceResponse"/> answers something else instead,
/// and <see cref="CutStream"/> breaks a streamed body after some events.
/// </summary>
public sealed class FaultInjection : DelegatingHandler
{
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private int _sent;
    private Func<HttpRequestMessage, int, Fault?> _fault = (_, _) => null;

    /// <summary>Every request that reached this handler, in order.</summary>
    public IReadOnlyList<Attempt> Attempts => [.. _attempts];

    /// <summary>How many requests were sent on, answered or not (a refused connection records no attempt).</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>Decides, per request (and its 1-based number among requests of that path), what goes wrong.</summary>
    public void When(Func<HttpRequestMessage, int, Fault?> fault) => _fault = fault;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        var number = _attempts.Count(a => a.Path == path) + 1;
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var fault = _fault(request, number);
        Interlocked.Increment(ref _sent);
        var response = await base.SendAsync(request, cancellationToken);
        _attempts.Enqueue(new Attempt(request.Method.Method, path, request.RequestUri.Query, headers, response.StatusCode,
            response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Contains("true")));
        switch (fault)
        {
            case Fault.DropResponse:
                response.Dispose();
                throw new HttpRequestException("The connection was reset before the response arrived (injected).");
            case Fault.ReplaceResponse replace:
                response.Dispose();
                var substitute = new HttpResponseMessage(replace.Status) { RequestMessage = request, Content = new StringContent("") };
                substitute.Headers.TryAddWithoutValidation("Retry-After", replace.RetryAfter);
                return substitute;
            case Fault.CutStream cut:
                var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                var content = new StreamContent(new CuttingStream(body, cut.AfterEvents));
                foreach (var header in response.Content.Headers)
                {
                    content.Headers.TryAddWithoutValidation(header.Key, header.Value);
                }
                response.Content = content;
                return response;
            default:
                return response;
        }
    }

    /// <summary>One request as it reached the server, and how the server answered it.</summary>
    public sealed record Attempt(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, HttpStatusCode Status, bool Replayed)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>What goes wrong with one request.</summary>
    public abstract record Fault
    {
        /// <summary>The server handles the request; its response is lost on the way back.</summary>
        public sealed record DropResponse : Fault;

        /// <summary>The server handles the request; the client sees <paramref name="Status"/> with <paramref name="RetryAfter"/> instead.</summary>
        public sealed record ReplaceResponse(HttpStatusCode Status, string RetryAfter) : Fault;

        /// <summary>The streamed body breaks once <paramref name="AfterEvents"/> whole events (and half of the next) went through.</summary>
        public sealed record CutStream(int AfterEvents) : Fault;
    }

    /// <summary>
    /// Passes a Server-Sent Events body through until <c>afterEvents</c> complete events (a data line and the
    /// blank line ending it) went by, then loses the rest as a dropped connection does: half of whatever came
    /// after them in the same chunk still goes through (a half-received event), and the next read fails.
    /// </summary>
    private sealed class CuttingStream(Stream inner, int afterEvents) : Stream
    {
        private readonly List<byte> _seen = [];
        private bool _cut;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_cut)
            {
                throw new IOException("The connection was reset (injected).");
            }
            var read = await inner.ReadAsync(buffer, cancellationToken);
            var start = _seen.Count;
            _seen.AddRange(buffer.Span[..read].ToArray());
            if (EndOfEvents() is not { } end)
            {
                return read;
            }
            _cut = true;
            var passed = end + (_seen.Count - end) / 2 - start;
            return passed > 0 ? passed : throw new IOException("The connection was reset (injected).");
        }

        /// <summary>Where the <c>afterEvents</c>-th complete event ends in what was read, if it did.</summary>
        private int? EndOfEvents()
        {
            var text = System.Text.Encoding.UTF8.GetString([.. _seen]);
            var count = 0;
            for (var at = text.IndexOf("\ndata: ", StringComparison.Ordinal); at >= 0; at = text.IndexOf("\ndata: ", at + 1, StringComparison.Ordinal))
            {
                var end = text.IndexOf("\n\n", at, StringComparison.Ordinal);
                if (end < 0)
                {
                    return null;
                }
                if (++count == afterEvents)
                {
                    // Event text is ASCII here (ids, types, tenant names, titles of the tests): characters are bytes.
                    return end + 2;
                }
            }
            return null;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Streams are read asynchronously.");

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
