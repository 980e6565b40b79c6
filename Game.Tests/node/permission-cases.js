// Issue #18.6 with AWS's own JavaScript SDK: each key pair the server is started with (see PermissionSdkTests.cs)
// tries what it may and what it may not, in order, and one JSON object { caseName: result } is printed on stdout.
// Each result is { ok: true, httpStatus, ...answer } or { error, httpStatus, message }.
// Usage: node permission-cases.js --endpoint URL --keys '{"producer":{"id":"…","secret":"…"},"admin":…}'
const kinesis = require("@aws-sdk/client-kinesis");
const lambda = require("@aws-sdk/client-lambda");
const { NodeHttpHandler } = require("@smithy/node-http-handler");

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const keys = JSON.parse(args.keys);

function config(name, secret) {
  return {
    endpoint: args.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: keys[name].id, secretAccessKey: secret ?? keys[name].secret },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  };
}

const k = (name, secret) => new kinesis.KinesisClient(config(name, secret));
const l = (name, secret) => new lambda.LambdaClient(config(name, secret));

async function send(client, command) {
  try {
    const { $metadata, Payload, ...answer } = await client.send(command);
    return { ok: true, httpStatus: $metadata.httpStatusCode, ...answer, ...(Payload ? { Payload: Buffer.from(Payload).toString("utf8") } : {}) };
  } catch (e) {
    return { error: e.name, httpStatus: e.$metadata?.httpStatusCode ?? null, message: e.message };
  }
}

const data = Buffer.from(JSON.stringify({ gameId: "none", playerId: "none" }));
const rankInput = Buffer.from(JSON.stringify({ gameId: "none", playerId: "none" }));
const iterator = async (name, stream) =>
  (await send(k(name), new kinesis.GetShardIteratorCommand({ StreamName: stream, ShardId: "shardId-000000000000", ShardIteratorType: "TRIM_HORIZON" }))).ShardIterator;

(async () => {
  const r = {};
  // The admin sets the scene: a second stream, and the seeded mapping's UUID.
  r["admin-create-stream"] = await send(k("admin"), new kinesis.CreateStreamCommand({ StreamName: "other", ShardCount: 1 }));
  const mappings = await send(l("admin"), new lambda.ListEventSourceMappingsCommand({ FunctionName: "score" }));
  const uuid = mappings.EventSourceMappings[0].UUID;
  r["mapping-uuid"] = { ok: true, UUID: uuid };
  const motionIterator = await iterator("admin", "motion");
  const otherIterator = await iterator("admin", "other");

  // A venue's producer key: it puts records, and that is all.
  // On shard 0 (ExplicitHashKey 0), which the reads below read.
  r["producer-put-record"] = await send(k("producer"), new kinesis.PutRecordCommand({ StreamName: "motion", PartitionKey: "p1", ExplicitHashKey: "0", Data: data }));
  r["producer-put-records"] = await send(k("producer"), new kinesis.PutRecordsCommand({
    StreamName: "motion", Records: [{ PartitionKey: "p1", ExplicitHashKey: "0", Data: data }, { PartitionKey: "p2", ExplicitHashKey: "0", Data: data }],
  }));
  r["producer-list-shards"] = await send(k("producer"), new kinesis.ListShardsCommand({ StreamName: "motion" }));
  r["producer-get-records"] = await send(k("producer"), new kinesis.GetRecordsCommand({ ShardIterator: motionIterator }));
  r["producer-invoke"] = await send(l("producer"), new lambda.InvokeCommand({ FunctionName: "player-rank", Payload: rankInput }));
  r["producer-invoke-score"] = await send(l("producer"), new lambda.InvokeCommand({ FunctionName: "score", Payload: rankInput }));
  r["producer-update-mapping"] = await send(l("producer"), new lambda.UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 1 }));
  r["producer-disable-mapping"] = await send(l("producer"), new lambda.UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  r["producer-update-configuration"] = await send(l("producer"), new lambda.UpdateFunctionConfigurationCommand({ FunctionName: "score", Timeout: 1 }));
  r["producer-list-functions"] = await send(l("producer"), new lambda.ListFunctionsCommand({}));
  // Deploying is running code inside the server: a producer key may neither replace a function's code nor create one.
  r["producer-update-code"] = await send(l("producer"), new lambda.UpdateFunctionCodeCommand({ FunctionName: "score", ZipFile: Buffer.from("PK not really a zip") }));
  r["producer-create-function"] = await send(l("producer"), new lambda.CreateFunctionCommand({
    FunctionName: "mine", Runtime: "dotnet8", Role: "arn:aws:iam::000000000000:role/any", Handler: "Mine::Mine.Function", Code: { ZipFile: Buffer.from("PK not really a zip") },
  }));
  // A right key id with a wrong secret is still a signature error, not a permission one: only the secret's holder learns what the key may not do.
  r["producer-wrong-secret-kinesis"] = await send(k("producer", "not-the-secret"), new kinesis.GetRecordsCommand({ ShardIterator: motionIterator }));
  r["producer-wrong-secret-lambda"] = await send(l("producer", "not-the-secret"), new lambda.UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 1 }));
  r["mapping-after-producer"] = await send(l("admin"), new lambda.GetEventSourceMappingCommand({ UUID: uuid }));
  r["score-after-producer"] = await send(l("admin"), new lambda.GetFunctionConfigurationCommand({ FunctionName: "score" }));

  // An admin key may do all of it.
  r["admin-get-records"] = await send(k("admin"), new kinesis.GetRecordsCommand({ ShardIterator: motionIterator }));
  r["admin-invoke"] = await send(l("admin"), new lambda.InvokeCommand({ FunctionName: "player-rank", Payload: rankInput }));
  r["admin-update-configuration"] = await send(l("admin"), new lambda.UpdateFunctionConfigurationCommand({ FunctionName: "player-rank", Timeout: 4 }));
  r["admin-update-mapping"] = await send(l("admin"), new lambda.UpdateEventSourceMappingCommand({ UUID: uuid, BatchSize: 1000 }));
  r["admin-list-functions"] = await send(l("admin"), new lambda.ListFunctionsCommand({}));

  // A key limited to one function, by its ARN, however the function is named in the call.
  r["ranker-invoke"] = await send(l("ranker"), new lambda.InvokeCommand({ FunctionName: "player-rank", Payload: rankInput }));
  r["ranker-invoke-by-arn"] = await send(l("ranker"), new lambda.InvokeCommand({ FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:player-rank", Payload: rankInput }));
  r["ranker-get-function"] = await send(l("ranker"), new lambda.GetFunctionCommand({ FunctionName: "player-rank" }));
  r["ranker-invoke-score"] = await send(l("ranker"), new lambda.InvokeCommand({ FunctionName: "score", Payload: rankInput }));
  // Qualified: the check and the invocation read the same function (player-rank), whatever follows it.
  r["ranker-invoke-qualified"] = await send(l("ranker"), new lambda.InvokeCommand({ FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:player-rank:score", Payload: rankInput }));
  r["ranker-get-function-score"] = await send(l("ranker"), new lambda.GetFunctionCommand({ FunctionName: "score" }));
  r["ranker-put-record"] = await send(k("ranker"), new kinesis.PutRecordCommand({ StreamName: "motion", PartitionKey: "p1", Data: data }));

  // A key limited to one stream: its own iterators read; another stream's iterator names that stream and is refused.
  r["reader-list-shards"] = await send(k("reader"), new kinesis.ListShardsCommand({ StreamName: "motion" }));
  r["reader-list-shards-other"] = await send(k("reader"), new kinesis.ListShardsCommand({ StreamName: "other" }));
  r["reader-get-records"] = await send(k("reader"), new kinesis.GetRecordsCommand({ ShardIterator: await iterator("reader", "motion") }));
  r["reader-get-records-other"] = await send(k("reader"), new kinesis.GetRecordsCommand({ ShardIterator: otherIterator }));
  r["reader-list-streams"] = await send(k("reader"), new kinesis.ListStreamsCommand({}));
  // A plain PutRecords (what the endpoint's fast path takes) from a key without kinesis:PutRecords.
  r["reader-put-records"] = await send(k("reader"), new kinesis.PutRecordsCommand({ StreamName: "motion", Records: [{ PartitionKey: "p1", Data: data }] }));
  process.stdout.write(JSON.stringify(r));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
