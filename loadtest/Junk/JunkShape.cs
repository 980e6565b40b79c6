namespace LoadTest.Junk;

/// <summary>
/// One kind of anonymous junk request, and the answers that count as the expected refusal. The set is small and
/// fixed: the attacks of issue #13 that anyone on the venue's network can send without a token or a key.
/// </summary>
/// <param name="Name">Short name, used in the report.</param>
/// <param name="Request">What is sent, for the report's readers.</param>
/// <param name="Expected">HTTP statuses that are a refusal of this request; anything else (a 2xx, a 5xx, a timeout) is flagged.</param>
public sealed record JunkShape(string Name, string Request, IReadOnlySet<int> Expected)
{
    /// <summary>An anonymous read of a game that does not exist: 404, or 429 once the client's read budget is spent.</summary>
    public static readonly JunkShape UnknownCodeScoreboard = new(
        "unknown-code-scoreboard", "GET /api/games/{made-up code}/scoreboard", new HashSet<int> { 404, 429 });

    /// <summary>A well-formed join of a game that does not exist: 404, or 429 once the client's join budget is spent.</summary>
    public static readonly JunkShape UnknownCodeJoin = new(
        "unknown-code-join", "POST /api/games/{made-up code}/players, valid JSON", new HashSet<int> { 404, 429 });

    /// <summary>A join whose body is cut-off JSON: 400 problem+json (429 when over the join budget).</summary>
    public static readonly JunkShape MalformedJson = new(
        "malformed-json", "POST /api/games/{made-up code}/players, body `{\"nickname\":` (cut off)", new HashSet<int> { 400, 429 });

    /// <summary>A join whose JSON body is over the game API's 16 KiB limit: 413 before it is read (429 over budget).</summary>
    public static readonly JunkShape OversizeJson = new(
        "oversize-json", $"POST /api/games/{{made-up code}}/players, {JunkRequests.OversizeJsonBytes / 1024} KiB JSON", new HashSet<int> { 413, 429 });

    /// <summary>A Kinesis PutRecords with no Authorization and a large body: 400 MissingAuthenticationToken, body never buffered.</summary>
    public static readonly JunkShape KinesisUnsigned = new(
        "kinesis-unsigned", $"POST / PutRecords, no Authorization, {JunkRequests.UnsignedBodyBytes / 1024} KiB body", new HashSet<int> { 400 });

    /// <summary>A Kinesis PutRecords signed with the right key id and a wrong secret: 400 InvalidSignature.</summary>
    public static readonly JunkShape KinesisBadSignature = new(
        "kinesis-bad-signature", "POST / PutRecords of one record, signed with a wrong secret", new HashSet<int> { 400 });

    /// <summary>An Invoke call without SigV4: 403 MissingAuthenticationToken.</summary>
    public static readonly JunkShape InvokeUnsigned = new(
        "invoke-unsigned", "POST /2015-03-31/functions/score/invocations, no Authorization", new HashSet<int> { 403 });

    /// <summary>A phone-hub negotiate without a token: 401.</summary>
    public static readonly JunkShape PhoneNoToken = new(
        "phone-no-token", "POST /hubs/phone/negotiate, no token", new HashSet<int> { 401 });

    /// <summary>A phone-hub WebSocket upgrade with a made-up token: 401 before SignalR sees it.</summary>
    public static readonly JunkShape PhoneForgedToken = new(
        "phone-forged-token", "WebSocket /hubs/phone?access_token={forged}", new HashSet<int> { 401 });

    /// <summary>Every shape, in the order the flood sends them (round robin, so each gets the same share).</summary>
    public static IReadOnlyList<JunkShape> All { get; } =
    [
        UnknownCodeScoreboard, UnknownCodeJoin, MalformedJson, OversizeJson, KinesisUnsigned, KinesisBadSignature, InvokeUnsigned, PhoneNoToken, PhoneForgedToken,
    ];

    /// <summary>The expected statuses as text, e.g. <c>404/429</c>.</summary>
    public string ExpectedText => string.Join('/', Expected.Order());
}

/// <summary>
/// How the server answered one junk request: its status (null when none came: a timeout or a broken connection)
/// and a label to count it under, e.g. <c>400 MissingAuthenticationTokenException</c> or <c>timeout</c>.
/// </summary>
public readonly record struct JunkAnswer(int? Status, string Label);
