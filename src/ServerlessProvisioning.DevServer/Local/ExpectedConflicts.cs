using Azure.Core;
using Azure.Core.Pipeline;

namespace ServerlessProvisioning.DevServer.Local;

/// <summary>
/// Two answers of Table Storage are outcomes the callers ask for and handle, not failures: <c>409 Conflict</c> to an
/// insert (a POST) whose entity exists — an index entity two organizations share is inserted first and merged when it
/// exists, a lock or a gate row is taken by inserting it, a table is created unless it exists — and
/// <c>412 Precondition Failed</c> to a write guarded by <c>If-Match</c>, which another writer got in first (the caller
/// reads again and retries, or answers 412 itself). Azure.Core logs each as a warning ("Error response … 409
/// Conflict"), so a fresh <c>./run.sh</c> printed several while seeding. Classified as not errors, they are logged like
/// any other response, below the host's Warning level for Azure.Core; the clients still throw
/// <see cref="Azure.RequestFailedException"/> for them, so nothing the callers see changes.
/// </summary>
public sealed class ExpectedConflicts : HttpPipelineSynchronousPolicy
{
    /// <inheritdoc/>
    public override void OnSendingRequest(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.ResponseClassifier is not ConflictIsAnAnswer)
        {
            message.ResponseClassifier = new ConflictIsAnAnswer(message.ResponseClassifier);
        }
    }

    /// <summary>Whether <paramref name="message"/>'s answer is one its caller expects (see the class).</summary>
    public static bool IsExpected(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return (message.Response.Status == 409 && message.Request.Method == RequestMethod.Post)
            || (message.Response.Status == 412 && message.Request.Headers.Contains(HttpHeader.Names.IfMatch));
    }

    sealed class ConflictIsAnAnswer(ResponseClassifier inner) : ResponseClassifier
    {
        public override bool IsErrorResponse(HttpMessage message) => !IsExpected(message) && inner.IsErrorResponse(message);

        public override bool IsRetriableResponse(HttpMessage message) => inner.IsRetriableResponse(message);

        public override bool IsRetriableException(Exception exception) => inner.IsRetriableException(exception);

        public override bool IsRetriable(HttpMessage message, Exception exception) => inner.IsRetriable(message, exception);
    }
}
