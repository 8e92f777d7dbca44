using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Azure;
using ServerlessProvisioning.Notifications.Acs;
using ServerlessProvisioning.Testing;

namespace ServerlessProvisioning.Tests.Notifications.Acs;

public class AcsEmailClientTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    static AcsEmailMessage Message() =>
        new("DoNotReply@mail.example.com", new AcsEmailRecipients([new AcsEmailAddress("ada@contoso.test", "Ada Lovelace")]), new AcsEmailContent("Welcome")
        {
            PlainText = "Hello Ada",
            Html = "<p>Hello <b>Ada</b> & co</p>",
        });

    [Fact]
    public async Task Requests_carry_the_HMAC_signature_the_service_verifies()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.RunningPolls = 1;
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        await client.SendAsync(WaitUntil.Completed, Message(), Token);

        Assert.Equal(["POST", "GET", "GET"], server.Requests.Select(r => r.Method));
        Assert.All(server.Requests, request =>
        {
            Assert.Null(request.Rejection);
            Assert.Equal($"127.0.0.1:{server.Endpoint.Port}", request.Header("Host"));
            Assert.Matches("^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=[A-Za-z0-9+/]+=*$", request.Header("Authorization"));
            Assert.Equal(Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(request.Body))), request.Header("x-ms-content-sha256"));
        });
        // A GET is signed over the empty body.
        Assert.Equal("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", server.Polls[0].Header("x-ms-content-sha256"));
    }

    [Fact]
    public async Task A_request_signed_with_another_key_is_rejected_with_401()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var wrongKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
        var client = new AcsEmailClient($"endpoint={server.Endpoint};accesskey={wrongKey}", AcsTestKit.FastOptions());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.SendAsync(WaitUntil.Completed, Message(), Token));

        Assert.Equal(401, error.Status);
        Assert.Equal("Unauthorized", error.ErrorCode);
        Assert.Equal("signature mismatch", Assert.Single(server.Requests).Rejection);
        Assert.Empty(server.Deliveries);
    }

    [Fact]
    public async Task A_request_with_a_stale_date_is_rejected_with_401()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var options = AcsTestKit.FastOptions();
        options.Clock = new SteppingClock(DateTimeOffset.UtcNow.AddMinutes(-30), TimeSpan.Zero);
        var client = new AcsEmailClient(server.ConnectionString, options);

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.SendAsync(WaitUntil.Completed, Message(), Token));

        Assert.Equal(401, error.Status);
        Assert.Equal("x-ms-date is stale", Assert.Single(server.Requests).Rejection);
    }

    [Fact]
    public async Task The_body_and_target_follow_the_REST_spec_exactly()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());
        var message = Message();
        message.ReplyTo.Add(new AcsEmailAddress("support@contoso.test", "Support"));
        message.Headers["ClientCorrelationId"] = "123";
        message.UserEngagementTrackingDisabled = true;

        await client.SendAsync(WaitUntil.Started, message, Token);

        var post = Assert.Single(server.Posts);
        Assert.Equal("/emails:send?api-version=2023-03-31", post.RawTarget);
        Assert.Equal("application/json", post.Header("Content-Type"));
        var expected = JsonNode.Parse("""
            {
              "headers": { "ClientCorrelationId": "123" },
              "senderAddress": "DoNotReply@mail.example.com",
              "content": { "subject": "Welcome", "plainText": "Hello Ada", "html": "<p>Hello <b>Ada</b> & co</p>" },
              "recipients": { "to": [ { "address": "ada@contoso.test", "displayName": "Ada Lovelace" } ] },
              "replyTo": [ { "address": "support@contoso.test", "displayName": "Support" } ],
              "userEngagementTrackingDisabled": true
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(post.Body)), post.Body);
    }

    [Fact]
    public async Task Optional_parts_are_left_out_of_the_body()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        await client.SendAsync(WaitUntil.Started, new AcsEmailMessage("DoNotReply@mail.example.com", "bob@contoso.test", new AcsEmailContent("Hi") { PlainText = "Hi" }), Token);

        var expected = JsonNode.Parse("""
            { "senderAddress": "DoNotReply@mail.example.com", "content": { "subject": "Hi", "plainText": "Hi" }, "recipients": { "to": [ { "address": "bob@contoso.test" } ] } }
            """);
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(Assert.Single(server.Posts).Body)));
    }

    [Fact]
    public async Task A_503_then_202_delivers_exactly_one_email_under_one_operation_id_each_attempt_signed_afresh()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.PostReplies.Enqueue(new ScriptedReply(503));
        server.PostReplies.Enqueue(new ScriptedReply(503));
        var options = AcsTestKit.FastOptions();
        options.Clock = new SteppingClock(DateTimeOffset.UtcNow, TimeSpan.FromSeconds(1));
        var client = new AcsEmailClient(server.ConnectionString, options);
        var operationId = Guid.NewGuid();

        var operation = await client.SendAsync(WaitUntil.Completed, Message(), operationId, Token);

        Assert.Equal(AcsEmailSendStatus.Succeeded, operation.Value.Status);
        Assert.Equal([503, 503, 202], server.Posts.Select(p => p.Status));
        Assert.All(server.Posts, p => Assert.Equal(operationId.ToString(), p.Header("Operation-Id")));
        Assert.All(server.Requests, r => Assert.Null(r.Rejection));
        Assert.Equal(3, server.Posts.Select(p => p.Header("x-ms-date")).Distinct().Count());
        Assert.Single(server.Deliveries);
    }

    [Fact]
    public async Task An_accepted_email_whose_answer_was_lost_is_retried_and_still_sent_once()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.PostReplies.Enqueue(new ScriptedReply(503, AcceptFirst: true));
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        var operation = await client.SendAsync(WaitUntil.Completed, Message(), Guid.NewGuid(), Token);

        Assert.True(operation.HasCompleted);
        Assert.Equal(2, server.Posts.Count);
        Assert.Single(server.Deliveries);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_dropped_connection_is_retried_and_the_email_sent_once(bool acceptedBeforeTheDrop)
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.PostReplies.Enqueue(new ScriptedReply(0, AcceptFirst: acceptedBeforeTheDrop));
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        var operation = await client.SendAsync(WaitUntil.Completed, Message(), Guid.NewGuid(), Token);

        Assert.Equal(AcsEmailSendStatus.Succeeded, operation.Value.Status);
        Assert.Equal([0, 202], server.Posts.Select(p => p.Status));
        Assert.Single(server.Deliveries);
    }

    [Fact]
    public async Task Sending_again_with_the_same_operation_id_is_not_a_second_email()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());
        var operationId = Guid.NewGuid();

        var first = await client.SendAsync(WaitUntil.Completed, Message(), operationId, Token);
        var second = await client.SendAsync(WaitUntil.Completed, Message(), operationId, Token);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, server.Posts.Count);
        Assert.Single(server.Deliveries);
    }

    [Fact]
    public async Task A_repeated_operation_id_answered_with_409_follows_the_existing_operation()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.RepeatedIdIsConflict = true;
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());
        var operationId = Guid.NewGuid();
        await client.SendAsync(WaitUntil.Started, Message(), operationId, Token);

        var again = await client.SendAsync(WaitUntil.Completed, Message(), operationId, Token);

        Assert.Equal(AcsEmailSendStatus.Succeeded, again.Value.Status);
        Assert.Equal([202, 409], server.Posts.Select(p => p.Status));
        Assert.Equal($"/emails/operations/{operationId}?api-version=2023-03-31", Assert.Single(server.Polls).RawTarget);
        Assert.Single(server.Deliveries);
    }

    [Theory]
    [InlineData("Retry-After", "1", 1000)]
    [InlineData("retry-after-ms", "400", 400)]
    [InlineData("x-ms-retry-after-ms", "400", 400)]
    public async Task A_429_is_retried_after_the_wait_the_service_asks_for(string header, string value, int milliseconds)
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.PostReplies.Enqueue(new ScriptedReply(429, new Dictionary<string, string> { [header] = value }));
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        await client.SendAsync(WaitUntil.Started, Message(), Token);

        var posts = server.Posts;
        Assert.Equal([429, 202], posts.Select(p => p.Status));
        Assert.Equal(posts[0].Header("Operation-Id"), posts[1].Header("Operation-Id"));
        // Back-off alone is a few milliseconds in these options; the gap is the server's.
        Assert.True(posts[1].At - posts[0].At >= TimeSpan.FromMilliseconds(milliseconds * 0.9), $"retried after {(posts[1].At - posts[0].At).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task A_429_asking_for_longer_than_MaxRetryAfter_fails_at_once_for_the_callers_retry()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.PostReplies.Enqueue(new ScriptedReply(429, new Dictionary<string, string> { ["Retry-After"] = "3600" }));
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.SendAsync(WaitUntil.Completed, Message(), Token));

        Assert.Equal(429, error.Status);
        Assert.Equal("TooManyRequests", error.ErrorCode);
        Assert.Single(server.Posts);
    }

    [Fact]
    public async Task A_failed_operation_throws_with_the_services_error()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.RunningPolls = 1;
        server.FinalStatus = "Failed";
        server.FinalError = ("EmailDropped", "Email was dropped after several attempts to deliver.");
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());
        var operationId = Guid.NewGuid();

        var error = await Assert.ThrowsAsync<RequestFailedException>(() => client.SendAsync(WaitUntil.Completed, Message(), operationId, Token));

        Assert.Equal("EmailDropped", error.ErrorCode);
        Assert.Contains("Email was dropped after several attempts to deliver.", error.Message, StringComparison.Ordinal);
        Assert.Contains(operationId.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("Failed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_canceled_operation_throws()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.FinalStatus = "Canceled";
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        var operation = await client.SendAsync(WaitUntil.Started, Message(), Token);
        var error = await Assert.ThrowsAsync<RequestFailedException>(async () => await operation.WaitForCompletionAsync(Token));

        Assert.Contains("Canceled", error.Message, StringComparison.Ordinal);
        Assert.True(operation.HasCompleted);
        Assert.False(operation.HasValue);
    }

    [Fact]
    public async Task A_slow_operation_is_polled_as_the_service_asks_until_it_succeeds()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.RunningPolls = 3;
        server.RetryAfter = "7";
        var delays = new RecordedDelays();
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions(delays));

        var operation = await client.SendAsync(WaitUntil.Completed, Message(), Token);

        Assert.True(operation.HasCompleted);
        Assert.Equal(AcsEmailSendStatus.Succeeded, operation.Value.Status);
        Assert.Equal(4, server.Polls.Count);
        Assert.All(server.Polls, poll => Assert.Equal($"/emails/operations/{operation.Id}?api-version=2023-03-31", poll.RawTarget));
        Assert.Equal(Enumerable.Repeat(TimeSpan.FromSeconds(7), 4), delays.All);
    }

    [Fact]
    public async Task Polling_waits_the_default_without_Retry_After_and_never_longer_than_the_cap()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.RunningPolls = 1;
        server.RetryAfter = null;
        var delays = new RecordedDelays();
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions(delays));
        await client.SendAsync(WaitUntil.Completed, Message(), Token);

        server.RetryAfter = "600";
        var capped = new RecordedDelays();
        var options = AcsTestKit.FastOptions(capped);
        options.MaxPollingInterval = TimeSpan.FromSeconds(10);
        await new AcsEmailClient(server.ConnectionString, options).SendAsync(WaitUntil.Completed, Message(), Token);

        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)], delays.All);
        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10)], capped.All);
    }

    [Fact]
    public async Task An_operation_that_never_ends_times_out()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.RunningPolls = int.MaxValue;
        var options = AcsTestKit.FastOptions();
        options.PollDelay = (delay, cancellationToken) => Task.Delay(delay, cancellationToken);
        options.MaxPollingInterval = TimeSpan.FromMilliseconds(20);
        options.CompletionTimeout = TimeSpan.FromMilliseconds(300);
        var client = new AcsEmailClient(server.ConnectionString, options);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => client.SendAsync(WaitUntil.Completed, Message(), Token));

        Assert.Contains("Running", error.Message, StringComparison.Ordinal);
        Assert.NotEmpty(server.Polls);
    }

    [Fact]
    public async Task Started_returns_once_accepted_and_the_operation_can_be_awaited_later()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        var operation = await client.SendAsync(WaitUntil.Started, Message(), Token);

        Assert.False(operation.HasCompleted);
        Assert.Empty(server.Polls);
        Assert.Throws<InvalidOperationException>(() => operation.Value);

        var completed = await operation.WaitForCompletionAsync(Token);

        Assert.Equal(AcsEmailSendStatus.Succeeded, completed.Value.Status);
        Assert.Equal(200, completed.GetRawResponse().Status);
    }

    [Fact]
    public async Task Operation_Location_is_followed_as_the_service_writes_it()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.DoubleSlashOperationLocation = true;
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        var operation = await client.SendAsync(WaitUntil.Completed, Message(), Token);

        Assert.Equal($"//emails/operations/{operation.Id}?api-version=2023-03-31", Assert.Single(server.Polls).RawTarget);
        Assert.Null(server.Polls[0].Rejection);
    }

    [Fact]
    public async Task An_Operation_Location_on_another_host_is_not_followed()
    {
        await using var server = await FakeAcsServer.StartAsync();
        server.OperationLocationOverride = "http://attacker.invalid/steal?api-version=2023-03-31";
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        var operation = await client.SendAsync(WaitUntil.Completed, Message(), Token);

        Assert.Equal($"/emails/operations/{operation.Id}?api-version=2023-03-31", Assert.Single(server.Polls).RawTarget);
    }

    [Fact]
    public async Task With_an_endpoint_and_a_token_credential_requests_carry_a_bearer_token_and_no_HMAC()
    {
        await using var server = await FakeAcsServer.StartAsync(https: true);
        server.AcceptedBearerToken = "token-from-managed-identity";
        server.RunningPolls = 1;
        var credential = new FakeTokenCredential("token-from-managed-identity");
        var client = new AcsEmailClient(server.Endpoint, credential, AcsTestKit.FastOptions(trust: server));

        var operation = await client.SendAsync(WaitUntil.Completed, Message(), Token);

        Assert.Equal(AcsEmailSendStatus.Succeeded, operation.Value.Status);
        Assert.Equal(3, server.Requests.Count);
        Assert.All(server.Requests, request =>
        {
            Assert.Null(request.Rejection);
            Assert.Equal("Bearer token-from-managed-identity", request.Header("Authorization"));
            Assert.Null(request.Header("x-ms-content-sha256"));
            Assert.Null(request.Header("x-ms-date"));
        });
        Assert.Equal("https://communication.azure.com//.default", Assert.Single(credential.Scopes.Distinct()));
    }

    [Fact]
    public async Task A_message_without_a_body_is_refused_before_anything_is_sent()
    {
        await using var server = await FakeAcsServer.StartAsync();
        var client = new AcsEmailClient(server.ConnectionString, AcsTestKit.FastOptions());

        await Assert.ThrowsAsync<ArgumentException>(() =>
            client.SendAsync(WaitUntil.Completed, new AcsEmailMessage("DoNotReply@mail.example.com", "bob@contoso.test", new AcsEmailContent("Hi")), Token));

        Assert.Empty(server.Requests);
    }
}
