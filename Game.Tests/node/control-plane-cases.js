// Runs the Lambda control-plane operations against our server with AWS's own JavaScript SDK, in order, and prints
// one JSON object, { caseName: result }, on stdout. Each result is the SDK's answer (without $metadata) or
// { error, httpStatus, message }.
// Usage: node control-plane-cases.js --endpoint URL --access-key ID --secret KEY
const lambda = require("@aws-sdk/client-lambda");
const { NodeHttpHandler } = require("@smithy/node-http-handler");

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];

function client(secret = args.secret) {
  return new lambda.LambdaClient({
    endpoint: args.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: args["access-key"], secretAccessKey: secret },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

async function send(command, c = client()) {
  try {
    const { $metadata, Payload, LogResult, ...answer } = await c.send(command);
    return {
      httpStatus: $metadata.httpStatusCode,
      ...answer,
      ...(Payload ? { Payload: Buffer.from(Payload).toString("utf8") } : {}),
      ...(LogResult ? { Log: Buffer.from(LogResult, "base64").toString("utf8") } : {}),
    };
  } catch (e) {
    return { error: e.name, httpStatus: e.$metadata?.httpStatusCode ?? null, message: e.message };
  }
}

/** Gets the mapping until its State is `state` (or it is gone, for null); answers the last Get. */
async function until(uuid, state) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const got = await send(new lambda.GetEventSourceMappingCommand({ UUID: uuid }));
    if ((state === null && got.error) || got.State === state || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const streamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/motion";
const rankInput = Buffer.from(JSON.stringify({ gameId: "none", playerId: "none" }));

(async () => {
  const r = {};
  r["list-functions"] = await send(new lambda.ListFunctionsCommand({}));
  r["get-function"] = await send(new lambda.GetFunctionCommand({ FunctionName: "score" }));
  r["get-function-unknown"] = await send(new lambda.GetFunctionCommand({ FunctionName: "no-such-function" }));
  r["get-configuration-by-arn"] = await send(new lambda.GetFunctionConfigurationCommand({ FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:player-rank" }));
  r["tail-before-update"] = await send(new lambda.InvokeCommand({ FunctionName: "player-rank", Payload: rankInput, LogType: "Tail" }));
  r["update-configuration"] = await send(new lambda.UpdateFunctionConfigurationCommand({
    FunctionName: "player-rank", Timeout: 5, MemorySize: 256, Environment: { Variables: { GREETING: "hello" } },
  }));
  r["get-configuration-after-update"] = await send(new lambda.GetFunctionConfigurationCommand({ FunctionName: "player-rank" }));
  r["tail-after-update"] = await send(new lambda.InvokeCommand({ FunctionName: "player-rank", Payload: rankInput, LogType: "Tail" }));
  r["tail-warm"] = await send(new lambda.InvokeCommand({ FunctionName: "player-rank", Payload: rankInput, LogType: "Tail" }));
  r["update-configuration-memory-too-small"] = await send(new lambda.UpdateFunctionConfigurationCommand({ FunctionName: "player-rank", MemorySize: 64 }));
  r["update-configuration-timeout-too-long"] = await send(new lambda.UpdateFunctionConfigurationCommand({ FunctionName: "player-rank", Timeout: 901 }));
  r["update-configuration-stale-revision"] = await send(new lambda.UpdateFunctionConfigurationCommand({ FunctionName: "player-rank", Timeout: 6, RevisionId: "00000000-0000-0000-0000-000000000000" }));
  r["put-concurrency"] = await send(new lambda.PutFunctionConcurrencyCommand({ FunctionName: "score", ReservedConcurrentExecutions: 7 }));
  r["get-concurrency"] = await send(new lambda.GetFunctionConcurrencyCommand({ FunctionName: "score" }));
  r["get-function-with-concurrency"] = await send(new lambda.GetFunctionCommand({ FunctionName: "score" }));
  r["delete-concurrency"] = await send(new lambda.DeleteFunctionConcurrencyCommand({ FunctionName: "score" }));
  r["get-concurrency-after-delete"] = await send(new lambda.GetFunctionConcurrencyCommand({ FunctionName: "score" }));

  r["list-mappings"] = await send(new lambda.ListEventSourceMappingsCommand({}));
  r["list-mappings-of-rank"] = await send(new lambda.ListEventSourceMappingsCommand({ FunctionName: "player-rank" }));
  const uuid = r["list-mappings"].EventSourceMappings?.[0]?.UUID;
  r["get-mapping"] = await send(new lambda.GetEventSourceMappingCommand({ UUID: uuid }));
  r["get-mapping-unknown"] = await send(new lambda.GetEventSourceMappingCommand({ UUID: "00000000-0000-0000-0000-000000000000" }));
  r["create-mapping-duplicate"] = await send(new lambda.CreateEventSourceMappingCommand({ FunctionName: "score", EventSourceArn: streamArn, StartingPosition: "TRIM_HORIZON" }));
  r["create-mapping-json-function"] = await send(new lambda.CreateEventSourceMappingCommand({ FunctionName: "player-rank", EventSourceArn: streamArn, StartingPosition: "TRIM_HORIZON" }));
  r["update-mapping"] = await send(new lambda.UpdateEventSourceMappingCommand({
    UUID: uuid, BatchSize: 50, MaximumBatchingWindowInSeconds: 1, MaximumRetryAttempts: 3, BisectBatchOnFunctionError: true,
    DestinationConfig: { OnFailure: { Destination: "arn:aws:sqs:us-east-1:000000000000:DeadLetters" } },
    FilterCriteria: { Filters: [{ Pattern: '{"data":{"gameId":[{"exists":true}]}}' }] },
    MetricsConfig: { Metrics: ["EventCount"] },
  }));
  r["update-mapping-settled"] = await until(uuid, "Enabled");
  r["update-mapping-bad-batch-size"] = await send(new lambda.UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 10001 }));
  r["disable-mapping"] = await send(new lambda.UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  r["disable-mapping-settled"] = await until(uuid, "Disabled");
  r["enable-mapping"] = await send(new lambda.UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true, FilterCriteria: { Filters: [] } }));
  r["enable-mapping-settled"] = await until(uuid, "Enabled");
  r["delete-mapping"] = await send(new lambda.DeleteEventSourceMappingCommand({ UUID: uuid }));
  r["delete-mapping-settled"] = await until(uuid, null);
  r["create-mapping"] = await send(new lambda.CreateEventSourceMappingCommand({
    FunctionName: "score", EventSourceArn: streamArn, StartingPosition: "TRIM_HORIZON", BatchSize: 1000,
  }));
  r["create-mapping-settled"] = await until(r["create-mapping"].UUID, "Enabled");
  r["bad-signature"] = await send(new lambda.ListFunctionsCommand({}), client("wrong-secret"));
  process.stdout.write(JSON.stringify(r));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
