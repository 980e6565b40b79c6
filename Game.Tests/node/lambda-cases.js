// Runs named cases against our Lambda-compatible Invoke endpoint with AWS's own JavaScript SDK and prints one
// JSON object, { caseName: result }, on stdout.
// Usage: node lambda-cases.js --endpoint URL --access-key ID --secret KEY --game ID --player ID --kinesis-event JSON
const { LambdaClient, InvokeCommand } = require("@aws-sdk/client-lambda");
const { NodeHttpHandler } = require("@smithy/node-http-handler");

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];

function client(secret = args.secret) {
  return new LambdaClient({
    endpoint: args.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: args["access-key"], secretAccessKey: secret },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

const json = (value) => Buffer.from(JSON.stringify(value));
const text = (bytes) => (bytes ? Buffer.from(bytes).toString("utf8") : null);

async function invoke(input, c = client()) {
  try {
    const r = await c.send(new InvokeCommand(input));
    return {
      status: r.StatusCode,
      functionError: r.FunctionError ?? null,
      payload: text(r.Payload) ? JSON.parse(text(r.Payload)) : null,
      log: r.LogResult ? Buffer.from(r.LogResult, "base64").toString("utf8") : null,
      executedVersion: r.ExecutedVersion ?? null,
    };
  } catch (e) {
    return { error: e.name, httpStatus: e.$metadata?.httpStatusCode ?? null, message: e.message };
  }
}

const rankInput = { gameId: args.game, playerId: args.player };
const cases = {
  "kinesis-event": () => invoke({ FunctionName: "score", Payload: Buffer.from(args["kinesis-event"]) }),
  rank: () => invoke({ FunctionName: "player-rank", Payload: json(rankInput) }),
  "rank-by-arn": () => invoke({ FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:player-rank", Payload: json(rankInput) }),
  tail: () => invoke({ FunctionName: "player-rank", Payload: json(rankInput), LogType: "Tail" }),
  event: () => invoke({ FunctionName: "player-rank", Payload: json(rankInput), InvocationType: "Event" }),
  "dry-run": () => invoke({ FunctionName: "player-rank", Payload: json(rankInput), InvocationType: "DryRun" }),
  "function-error": () => invoke({ FunctionName: "player-rank", Payload: json({}) }),
  "unknown-function": () => invoke({ FunctionName: "no-such-function", Payload: json({}) }),
  "bad-json": () => invoke({ FunctionName: "player-rank", Payload: Buffer.from("not json") }),
  "too-large": () => invoke({ FunctionName: "player-rank", Payload: json({ pad: "x".repeat(6 * 1024 * 1024) }) }),
  "bad-signature": () => invoke({ FunctionName: "player-rank", Payload: json(rankInput) }, client("wrong-secret")),
};

(async () => {
  const results = {};
  // In order: the made-up Kinesis event goes first, so the rank cases would see its points had it scored.
  for (const [name, run] of Object.entries(cases)) results[name] = await run();
  process.stdout.write(JSON.stringify(results));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
