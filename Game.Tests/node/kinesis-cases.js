// Runs named cases against a Kinesis endpoint with AWS's own JavaScript SDK and prints one JSON object,
// { caseName: result }, on stdout. Results hold only what is deterministic (no sequence numbers, no times),
// so the same expectations apply to our server and to kinesalite.
// Usage: node kinesis-cases.js --endpoint URL --access-key ID --secret KEY [--stream motion]
//          [--create-stream SHARDS] [--expiry-wait-ms MS] [--case NAME ...]
const http = require("http");
const {
  KinesisClient,
  CreateStreamCommand,
  ListStreamsCommand,
  DescribeStreamSummaryCommand,
  ListShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  GetShardIteratorCommand,
  GetRecordsCommand,
  DescribeStreamCommand,
  DeleteStreamCommand,
  IncreaseStreamRetentionPeriodCommand,
  DecreaseStreamRetentionPeriodCommand,
  AddTagsToStreamCommand,
  ListTagsForStreamCommand,
  RemoveTagsFromStreamCommand,
  SplitShardCommand,
  MergeShardsCommand,
  UpdateShardCountCommand,
} = require("@aws-sdk/client-kinesis");
const { NodeHttpHandler } = require("@smithy/node-http-handler");

const args = parseArgs(process.argv.slice(2));
const endpoint = args.endpoint;
const stream = args.stream || "motion";
const goodCredentials = { accessKeyId: args["access-key"], secretAccessKey: args.secret };
const expiryWaitMs = Number(args["expiry-wait-ms"] || 0);
const POW_128 = 1n << 128n;

function parseArgs(argv) {
  const parsed = { case: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, "");
    if (name === "case") parsed.case.push(argv[i + 1]);
    else parsed[name] = argv[i + 1];
  }
  return parsed;
}

function client(credentials = goodCredentials) {
  // HTTP/1.1: the SDK's default handler would try HTTP/2, which a plain-HTTP endpoint does not speak.
  return new KinesisClient({
    endpoint,
    region: "us-east-1",
    credentials,
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

/** A client whose request body is replaced after serialisation and before signing, to send what the SDK never would. */
function clientSending(body) {
  const c = client();
  c.middlewareStack.add(
    (next) => async (request) => {
      request.request.body = body;
      request.request.headers["content-length"] = String(Buffer.byteLength(body));
      return next(request);
    },
    { step: "build", name: "replaceBody", priority: "low" },
  );
  return c;
}

const kinesis = client();

async function call(c, Command, input) {
  try {
    return { ok: true, value: await c.send(new Command(input)) };
  } catch (e) {
    return { ok: false, error: { name: e.name, status: e.$metadata && e.$metadata.httpStatusCode, message: e.message } };
  }
}

/** The outcome as a test compares it: "ok", or the error's name. */
async function outcome(c, Command, input) {
  const r = await call(c, Command, input);
  return r.ok ? "ok" : r.error.name;
}

async function must(c, Command, input) {
  const r = await call(c, Command, input);
  if (!r.ok) throw new Error(`${Command.name} failed: ${r.error.name}: ${r.error.message}`);
  return r.value;
}

const text = (data) => Buffer.from(data).toString("utf8");
const bytes = (s) => Buffer.from(s, "utf8");
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function shardIds() {
  return (await must(kinesis, ListShardsCommand, { StreamName: stream })).Shards.map((s) => s.ShardId);
}

async function iterator(ShardId, ShardIteratorType, extra = {}) {
  return (await must(kinesis, GetShardIteratorCommand, { StreamName: stream, ShardId, ShardIteratorType, ...extra })).ShardIterator;
}

/** LATEST iterators of every shard: what is written after this point can be read back from them. */
async function latestIterators() {
  const iterators = {};
  for (const id of await shardIds()) iterators[id] = await iterator(id, "LATEST");
  return iterators;
}

/** Everything after the given iterators, per shard, in order. */
async function readAll(iterators) {
  const records = {};
  for (const [id, start] of Object.entries(iterators)) {
    records[id] = [];
    let it = start;
    for (let i = 0; i < 20 && it; i++) {
      const page = await must(kinesis, GetRecordsCommand, { ShardIterator: it });
      records[id].push(...page.Records);
      if (page.Records.length === 0) break;
      it = page.NextShardIterator;
    }
  }
  return records;
}

/** Waits until a stream is ACTIVE (kinesalite creates and updates on a timer, even at 0 ms), or gone. */
async function settle(StreamName, { gone = false } = {}) {
  for (let i = 0; i < 100; i++) {
    const r = await call(kinesis, DescribeStreamSummaryCommand, { StreamName });
    if (gone ? !r.ok : r.ok && r.value.StreamDescriptionSummary.StreamStatus === "ACTIVE") return;
    await sleep(20);
  }
  throw new Error(`${StreamName} did not settle`);
}

const arnOf = (name, account = "000000000000", region = "us-east-1") => `arn:aws:kinesis:${region}:${account}:stream/${name}`;

const countAll = (records) => Object.values(records).reduce((n, list) => n + list.length, 0);

const cases = {
  async listStreams() {
    const r = await must(kinesis, ListStreamsCommand, {});
    return { StreamNames: r.StreamNames, HasMoreStreams: r.HasMoreStreams };
  },

  async describeStreamSummary() {
    const s = (await must(kinesis, DescribeStreamSummaryCommand, { StreamName: stream })).StreamDescriptionSummary;
    return {
      StreamName: s.StreamName,
      StreamStatus: s.StreamStatus,
      OpenShardCount: s.OpenShardCount,
      RetentionPeriodHours: s.RetentionPeriodHours,
      EncryptionType: s.EncryptionType ?? null,
      StreamMode: (s.StreamModeDetails && s.StreamModeDetails.StreamMode) ?? null,
      ArnEndsWithStream: typeof s.StreamARN === "string" && s.StreamARN.endsWith(`:stream/${stream}`),
      HasCreationTimestamp: s.StreamCreationTimestamp instanceof Date,
    };
  },

  async streamArn() {
    const arn = `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`;
    const r = await call(kinesis, DescribeStreamSummaryCommand, { StreamARN: arn });
    return r.ok ? r.value.StreamDescriptionSummary.StreamName : r.error.name;
  },

  async listShards() {
    const r = await must(kinesis, ListShardsCommand, { StreamName: stream });
    const paged = await must(kinesis, ListShardsCommand, { StreamName: stream, ExclusiveStartShardId: "shardId-000000000001" });
    return {
      Shards: r.Shards.map((s) => ({
        ShardId: s.ShardId,
        StartingHashKey: s.HashKeyRange.StartingHashKey,
        EndingHashKey: s.HashKeyRange.EndingHashKey,
        HasStartingSequenceNumber: /^\d+$/.test(s.SequenceNumberRange.StartingSequenceNumber),
      })),
      AfterShard1: paged.Shards.map((s) => s.ShardId),
    };
  },

  async putRecordThenAtSequence() {
    const put = await must(kinesis, PutRecordCommand, { StreamName: stream, PartitionKey: "player-1", Data: bytes('{"case":"put-record"}') });
    const it = await iterator(put.ShardId, "AT_SEQUENCE_NUMBER", { StartingSequenceNumber: put.SequenceNumber });
    const page = await must(kinesis, GetRecordsCommand, { ShardIterator: it, Limit: 1 });
    const record = page.Records[0];
    return {
      ShardId: put.ShardId,
      SequenceNumberIsDecimal: /^(0|[1-9]\d{0,128})$/.test(put.SequenceNumber),
      Read: {
        SameSequenceNumber: record.SequenceNumber === put.SequenceNumber,
        PartitionKey: record.PartitionKey,
        Data: text(record.Data),
        ArrivedWithinAMinute: Math.abs(record.ApproximateArrivalTimestamp.getTime() - Date.now()) < 60_000,
      },
      HasNextShardIterator: typeof page.NextShardIterator === "string",
      MillisBehindLatestIsNumber: typeof page.MillisBehindLatest === "number",
    };
  },

  async trimHorizon() {
    // Runs after putRecordThenAtSequence: on a fresh stream, that record is the oldest of its shard.
    const shard = (await must(kinesis, PutRecordCommand, { StreamName: stream, PartitionKey: "player-1", Data: bytes("second") })).ShardId;
    const page = await must(kinesis, GetRecordsCommand, { ShardIterator: await iterator(shard, "TRIM_HORIZON"), Limit: 2 });
    return page.Records.map((r) => text(r.Data));
  },

  async latest() {
    const shard = (await must(kinesis, PutRecordCommand, { StreamName: stream, PartitionKey: "player-latest", Data: bytes("before") })).ShardId;
    const it = await iterator(shard, "LATEST");
    await must(kinesis, PutRecordCommand, { StreamName: stream, PartitionKey: "player-latest", Data: bytes("after-1") });
    await must(kinesis, PutRecordCommand, { StreamName: stream, PartitionKey: "player-latest", Data: bytes("after-2") });
    const page = await must(kinesis, GetRecordsCommand, { ShardIterator: it });
    const tail = await must(kinesis, GetRecordsCommand, { ShardIterator: page.NextShardIterator });
    return {
      Read: page.Records.map((r) => text(r.Data)),
      ThenRead: tail.Records.length,
      MillisBehindLatestAtTip: tail.MillisBehindLatest,
    };
  },

  async atAndAfterSequenceNumber() {
    const put = await must(kinesis, PutRecordsCommand, {
      StreamName: stream,
      Records: ["s0", "s1", "s2"].map((d) => ({ PartitionKey: "player-seq", Data: bytes(d) })),
    });
    const [, middle] = put.Records;
    const at = await must(kinesis, GetRecordsCommand, {
      ShardIterator: await iterator(middle.ShardId, "AT_SEQUENCE_NUMBER", { StartingSequenceNumber: middle.SequenceNumber }),
    });
    const after = await must(kinesis, GetRecordsCommand, {
      ShardIterator: await iterator(middle.ShardId, "AFTER_SEQUENCE_NUMBER", { StartingSequenceNumber: middle.SequenceNumber }),
    });
    const other = (await shardIds()).find((id) => id !== middle.ShardId);
    return {
      At: at.Records.map((r) => text(r.Data)),
      After: after.Records.map((r) => text(r.Data)),
      MissingSequenceNumber: await outcome(kinesis, GetShardIteratorCommand, { StreamName: stream, ShardId: middle.ShardId, ShardIteratorType: "AT_SEQUENCE_NUMBER" }),
      SequenceNumberWithLatest: await outcome(kinesis, GetShardIteratorCommand, {
        StreamName: stream, ShardId: middle.ShardId, ShardIteratorType: "LATEST", StartingSequenceNumber: middle.SequenceNumber,
      }),
      SequenceNumberOfAnotherShard: await outcome(kinesis, GetShardIteratorCommand, {
        StreamName: stream, ShardId: other, ShardIteratorType: "AT_SEQUENCE_NUMBER", StartingSequenceNumber: middle.SequenceNumber,
      }),
    };
  },

  async atTimestamp() {
    const first = await must(kinesis, PutRecordCommand, { StreamName: stream, PartitionKey: "player-ts", Data: bytes("ts-before") });
    await sleep(30);
    const between = new Date();
    await sleep(30);
    await must(kinesis, PutRecordCommand, { StreamName: stream, PartitionKey: "player-ts", Data: bytes("ts-after") });
    const page = await must(kinesis, GetRecordsCommand, {
      ShardIterator: await iterator(first.ShardId, "AT_TIMESTAMP", { Timestamp: between }),
    });
    return {
      Read: page.Records.map((r) => text(r.Data)),
      InTheFuture: await outcome(kinesis, GetShardIteratorCommand, {
        StreamName: stream, ShardId: first.ShardId, ShardIteratorType: "AT_TIMESTAMP", Timestamp: new Date(Date.now() + 3_600_000),
      }),
      WithoutTimestamp: await outcome(kinesis, GetShardIteratorCommand, { StreamName: stream, ShardId: first.ShardId, ShardIteratorType: "AT_TIMESTAMP" }),
    };
  },

  async putRecordsOrder() {
    const before = await latestIterators();
    const keys = ["p-a", "p-b", "p-c", "p-d", "p-e"];
    const sent = Array.from({ length: 40 }, (_, i) => ({ PartitionKey: keys[i % keys.length], Data: bytes(`order-${i}`) }));
    const put = await must(kinesis, PutRecordsCommand, { StreamName: stream, Records: sent });
    const read = await readAll(before);
    const sameOrder = Object.entries(read).every(([id, records]) => {
      const expected = sent.filter((_, i) => put.Records[i].ShardId === id).map((r) => text(r.Data));
      return JSON.stringify(records.map((r) => text(r.Data))) === JSON.stringify(expected);
    });
    const increasing = Object.values(read).every((records) =>
      records.every((r, i) => i === 0 || BigInt(r.SequenceNumber) > BigInt(records[i - 1].SequenceNumber)));
    const answeredSequenceNumbers = put.Records.every((r, i) =>
      read[r.ShardId].some((x) => x.SequenceNumber === r.SequenceNumber && text(x.Data) === `order-${i}`));
    return {
      FailedRecordCount: put.FailedRecordCount,
      Answered: put.Records.length,
      ShardIds: put.Records.map((r) => r.ShardId),
      WithErrorCode: put.Records.filter((r) => r.ErrorCode).length,
      ReadBack: countAll(read),
      OrderKeptPerShard: sameOrder,
      SequenceNumbersIncrease: increasing,
      AnsweredSequenceNumbersMatchRead: answeredSequenceNumbers,
    };
  },

  async explicitHashKey() {
    const quarter = POW_128 / 4n;
    const hashKeys = ["0", (quarter - 1n).toString(), quarter.toString(), (2n * quarter).toString(), (POW_128 - 1n).toString()];
    const put = await must(kinesis, PutRecordsCommand, {
      StreamName: stream,
      Records: hashKeys.map((h) => ({ PartitionKey: "same-key", ExplicitHashKey: h, Data: bytes("hash-" + h) })),
    });
    return {
      ShardIds: put.Records.map((r) => r.ShardId),
      TooLarge: await outcome(kinesis, PutRecordCommand, { StreamName: stream, PartitionKey: "k", ExplicitHashKey: POW_128.toString(), Data: bytes("x") }),
      NotANumber: await outcome(kinesis, PutRecordCommand, { StreamName: stream, PartitionKey: "k", ExplicitHashKey: "12a", Data: bytes("x") }),
    };
  },

  async getRecordsLimit() {
    const shard = (await must(kinesis, PutRecordCommand, { StreamName: stream, PartitionKey: "player-limit", Data: bytes("limit-start") })).ShardId;
    let it = await iterator(shard, "LATEST");
    await must(kinesis, PutRecordsCommand, {
      StreamName: stream,
      Records: [1, 2, 3, 4, 5].map((i) => ({ PartitionKey: "player-limit", Data: bytes(`limit-${i}`) })),
    });
    const pages = [];
    for (let i = 0; i < 4; i++) {
      const page = await must(kinesis, GetRecordsCommand, { ShardIterator: it, Limit: 2 });
      pages.push(page.Records.map((r) => text(r.Data)));
      it = page.NextShardIterator;
    }
    const valid = await iterator(shard, "LATEST");
    return {
      Pages: pages,
      Limit0: await outcome(kinesis, GetRecordsCommand, { ShardIterator: valid, Limit: 0 }),
      Limit10001: await outcome(kinesis, GetRecordsCommand, { ShardIterator: valid, Limit: 10001 }),
      Limit10000: await outcome(kinesis, GetRecordsCommand, { ShardIterator: valid, Limit: 10000 }),
    };
  },

  async limitsRefusedAndNothingWritten() {
    const before = await latestIterators();
    const record = (PartitionKey, size = 1) => ({ PartitionKey, Data: Buffer.alloc(size, 0x61) });
    const result = {
      PutRecords501: await outcome(kinesis, PutRecordsCommand, { StreamName: stream, Records: Array.from({ length: 501 }, (_, i) => record(`k${i}`)) }),
      PutRecords0: await outcome(kinesis, PutRecordsCommand, { StreamName: stream, Records: [] }),
      RecordOver1MiB: await outcome(kinesis, PutRecordCommand, { StreamName: stream, ...record("big", 1024 * 1024 + 1) }),
      OneOf3RecordsOver1MiB: await outcome(kinesis, PutRecordsCommand, { StreamName: stream, Records: [record("a"), record("big", 1024 * 1024 + 1), record("c")] }),
      PartitionKey257: await outcome(kinesis, PutRecordCommand, { StreamName: stream, ...record("k".repeat(257)) }),
      PartitionKeyEmpty: await outcome(kinesis, PutRecordsCommand, { StreamName: stream, Records: [record("fine"), record("")] }),
    };
    result.WrittenByRefusedRequests = countAll(await readAll(before));
    const accepted = await latestIterators();
    result.PartitionKey256 = await outcome(kinesis, PutRecordCommand, { StreamName: stream, ...record("k".repeat(256)) });
    result.RecordOf1MiB = await outcome(kinesis, PutRecordCommand, { StreamName: stream, ...record("big", 1024 * 1024) });
    result.WrittenByAcceptedRequests = countAll(await readAll(accepted));
    return result;
  },

  async unknownStream() {
    const StreamName = "no-such-stream";
    return {
      DescribeStreamSummary: await outcome(kinesis, DescribeStreamSummaryCommand, { StreamName }),
      ListShards: await outcome(kinesis, ListShardsCommand, { StreamName }),
      PutRecord: await outcome(kinesis, PutRecordCommand, { StreamName, PartitionKey: "k", Data: bytes("x") }),
      PutRecords: await outcome(kinesis, PutRecordsCommand, { StreamName, Records: [{ PartitionKey: "k", Data: bytes("x") }] }),
      GetShardIterator: await outcome(kinesis, GetShardIteratorCommand, { StreamName, ShardId: "shardId-000000000000", ShardIteratorType: "LATEST" }),
      UnknownShard: await outcome(kinesis, GetShardIteratorCommand, { StreamName: stream, ShardId: "shardId-000000000099", ShardIteratorType: "LATEST" }),
    };
  },

  async malformedRequests() {
    const before = await latestIterators();
    const result = {
      TruncatedJson: await outcome(clientSending(`{"StreamName":"${stream}","PartitionKey":"k","Data":"eA=="`), PutRecordCommand, { StreamName: stream, PartitionKey: "k", Data: bytes("x") }),
      NotAnObject: await outcome(clientSending("[1,2]"), PutRecordCommand, { StreamName: stream, PartitionKey: "k", Data: bytes("x") }),
      NumberForString: await outcome(clientSending(`{"StreamName":"${stream}","PartitionKey":5,"Data":"eA=="}`), PutRecordCommand, { StreamName: stream, PartitionKey: "k", Data: bytes("x") }),
      StringForInteger: await outcome(clientSending(`{"ShardIterator":"abc","Limit":"2"}`), GetRecordsCommand, { ShardIterator: "abc" }),
      RecordsNotAList: await outcome(clientSending(`{"StreamName":"${stream}","Records":{"PartitionKey":"k","Data":"eA=="}}`), PutRecordsCommand, { StreamName: stream, Records: [] }),
    };
    result.Written = countAll(await readAll(before));
    return result;
  },

  async invalidIterators() {
    const valid = await iterator("shardId-000000000000", "LATEST");
    // Alter one character in the middle: still base64, no longer what the server issued.
    const middle = Math.floor(valid.length / 2);
    const altered = valid.slice(0, middle) + (valid[middle] === "A" ? "B" : "A") + valid.slice(middle + 1);
    return {
      Garbage: await outcome(kinesis, GetRecordsCommand, { ShardIterator: "not-an-iterator" }),
      Altered: await outcome(kinesis, GetRecordsCommand, { ShardIterator: altered }),
      TooLong: await outcome(kinesis, GetRecordsCommand, { ShardIterator: "A".repeat(513) }),
    };
  },

  async badCredentialsRefusedAndNothingWritten() {
    const before = await latestIterators();
    const wrongSecret = client({ accessKeyId: goodCredentials.accessKeyId, secretAccessKey: "not-the-secret" });
    const unknownKey = client({ accessKeyId: "AKIDUNKNOWN", secretAccessKey: goodCredentials.secretAccessKey });
    const result = {
      WrongSecretPutRecord: await outcome(wrongSecret, PutRecordCommand, { StreamName: stream, PartitionKey: "k", Data: bytes("forged") }),
      WrongSecretPutRecords: await outcome(wrongSecret, PutRecordsCommand, { StreamName: stream, Records: [{ PartitionKey: "k", Data: bytes("forged") }] }),
      WrongSecretListStreams: await outcome(wrongSecret, ListStreamsCommand, {}),
      UnknownKeyPutRecord: await outcome(unknownKey, PutRecordCommand, { StreamName: stream, PartitionKey: "k", Data: bytes("forged") }),
    };
    result.Written = countAll(await readAll(before));
    return result;
  },

  async unsignedAndUnknownOperation() {
    return {
      NoAuthorization: await raw("Kinesis_20131202.ListStreams", "{}"),
      UnknownOperation: await raw("Kinesis_20131202.Frobnicate", "{}"),
    };
  },

  async describeStream() {
    const first = (await must(kinesis, DescribeStreamCommand, { StreamName: stream, Limit: 3 })).StreamDescription;
    const rest = (await must(kinesis, DescribeStreamCommand, { StreamName: stream, ExclusiveStartShardId: first.Shards[2].ShardId })).StreamDescription;
    return {
      StreamName: first.StreamName,
      StreamStatus: first.StreamStatus,
      StreamMode: (first.StreamModeDetails && first.StreamModeDetails.StreamMode) ?? null,
      ArnEndsWithStream: first.StreamARN.endsWith(`:stream/${stream}`),
      RetentionPeriodHours: first.RetentionPeriodHours,
      EncryptionType: first.EncryptionType,
      HasCreationTimestamp: first.StreamCreationTimestamp instanceof Date,
      FirstPage: first.Shards.map((s) => s.ShardId),
      FirstHasMoreShards: first.HasMoreShards,
      SecondPage: rest.Shards.map((s) => s.ShardId),
      SecondHasMoreShards: rest.HasMoreShards,
      OpenShardsHaveNoEnd: first.Shards.every((s) => /^\d+$/.test(s.SequenceNumberRange.StartingSequenceNumber) && s.SequenceNumberRange.EndingSequenceNumber === undefined),
      NoParents: first.Shards.every((s) => s.ParentShardId === undefined && s.AdjacentParentShardId === undefined),
      Limit0: await outcome(kinesis, DescribeStreamCommand, { StreamName: stream, Limit: 0 }),
      UnknownStream: await outcome(kinesis, DescribeStreamCommand, { StreamName: "no-such-stream" }),
    };
  },

  async createAndDeleteStream() {
    const name = "fidelity-created";
    const created = await outcome(kinesis, CreateStreamCommand, { StreamName: name, ShardCount: 2 });
    await settle(name);
    const described = (await must(kinesis, DescribeStreamCommand, { StreamName: name })).StreamDescription;
    const listed = (await must(kinesis, ListStreamsCommand, {})).StreamNames;
    const again = await outcome(kinesis, CreateStreamCommand, { StreamName: name, ShardCount: 1 });
    const put = await must(kinesis, PutRecordCommand, { StreamName: name, PartitionKey: "k", Data: bytes("in-created") });
    const page = await must(kinesis, GetRecordsCommand, {
      ShardIterator: (await must(kinesis, GetShardIteratorCommand, { StreamName: name, ShardId: put.ShardId, ShardIteratorType: "TRIM_HORIZON" })).ShardIterator,
    });
    const inMotion = await must(kinesis, GetRecordsCommand, { ShardIterator: await iterator(put.ShardId, "TRIM_HORIZON"), Limit: 10000 });
    const deleted = await outcome(kinesis, DeleteStreamCommand, { StreamName: name });
    await settle(name, { gone: true });
    return {
      Created: created,
      Status: described.StreamStatus,
      Shards: described.Shards.map((s) => [s.ShardId, s.HashKeyRange.StartingHashKey, s.HashKeyRange.EndingHashKey]),
      RetentionPeriodHours: described.RetentionPeriodHours,
      Listed: listed,
      CreatedAgain: again,
      ReadBack: page.Records.map((r) => text(r.Data)),
      NotInTheOtherStream: inMotion.Records.every((r) => text(r.Data) !== "in-created"),
      Deleted: deleted,
      DescribeAfterDelete: await outcome(kinesis, DescribeStreamCommand, { StreamName: name }),
      DeleteAgain: await outcome(kinesis, DeleteStreamCommand, { StreamName: name }),
      ListedAfterDelete: (await must(kinesis, ListStreamsCommand, {})).StreamNames,
      ShardCount0: await outcome(kinesis, CreateStreamCommand, { StreamName: "fidelity-zero", ShardCount: 0 }),
      BadName: await outcome(kinesis, CreateStreamCommand, { StreamName: "bad name", ShardCount: 1 }),
    };
  },

  async createStreamModes() {
    const onDemand = await outcome(kinesis, CreateStreamCommand, { StreamName: "fidelity-on-demand", StreamModeDetails: { StreamMode: "ON_DEMAND" } });
    let described = null;
    if (onDemand === "ok") {
      await settle("fidelity-on-demand");
      const s = (await must(kinesis, DescribeStreamSummaryCommand, { StreamName: "fidelity-on-demand" })).StreamDescriptionSummary;
      described = { StreamMode: s.StreamModeDetails.StreamMode, OpenShardCount: s.OpenShardCount };
      await must(kinesis, DeleteStreamCommand, { StreamName: "fidelity-on-demand" });
      await settle("fidelity-on-demand", { gone: true });
    }
    const provisioned = await outcome(kinesis, CreateStreamCommand, { StreamName: "fidelity-provisioned", ShardCount: 1, StreamModeDetails: { StreamMode: "PROVISIONED" } });
    let provisionedMode = null;
    if (provisioned === "ok") {
      await settle("fidelity-provisioned");
      const s = (await must(kinesis, DescribeStreamSummaryCommand, { StreamName: "fidelity-provisioned" })).StreamDescriptionSummary;
      provisionedMode = (s.StreamModeDetails && s.StreamModeDetails.StreamMode) ?? null;
      await must(kinesis, DeleteStreamCommand, { StreamName: "fidelity-provisioned" });
      await settle("fidelity-provisioned", { gone: true });
    }
    return {
      OnDemand: onDemand,
      OnDemandDescribed: described,
      Provisioned: provisioned,
      ProvisionedMode: provisionedMode,
      ProvisionedWithoutShardCount: await outcome(kinesis, CreateStreamCommand, { StreamName: "fidelity-no-count" }),
    };
  },

  async retentionPeriod() {
    const hours = async () => (await must(kinesis, DescribeStreamSummaryCommand, { StreamName: stream })).StreamDescriptionSummary.RetentionPeriodHours;
    const result = {};
    result.Increase48 = await outcome(kinesis, IncreaseStreamRetentionPeriodCommand, { StreamName: stream, RetentionPeriodHours: 48 });
    await settle(stream);
    result.After48 = await hours();
    result.IncreaseTo30 = await outcome(kinesis, IncreaseStreamRetentionPeriodCommand, { StreamName: stream, RetentionPeriodHours: 30 });
    result.DecreaseTo100 = await outcome(kinesis, DecreaseStreamRetentionPeriodCommand, { StreamName: stream, RetentionPeriodHours: 100 });
    result.DecreaseTo10 = await outcome(kinesis, DecreaseStreamRetentionPeriodCommand, { StreamName: stream, RetentionPeriodHours: 10 });
    result.IncreaseTo9000 = await outcome(kinesis, IncreaseStreamRetentionPeriodCommand, { StreamName: stream, RetentionPeriodHours: 9000 });
    result.Decrease24 = await outcome(kinesis, DecreaseStreamRetentionPeriodCommand, { StreamName: stream, RetentionPeriodHours: 24 });
    await settle(stream);
    result.After24 = await hours();
    result.UnknownStream = await outcome(kinesis, IncreaseStreamRetentionPeriodCommand, { StreamName: "no-such-stream", RetentionPeriodHours: 48 });
    return result;
  },

  async tags() {
    const list = async (input = {}) => {
      const r = await must(kinesis, ListTagsForStreamCommand, { StreamName: stream, ...input });
      return { Tags: r.Tags.map((t) => `${t.Key}=${t.Value}`), HasMoreTags: r.HasMoreTags };
    };
    const result = {};
    result.Add = await outcome(kinesis, AddTagsToStreamCommand, { StreamName: stream, Tags: { team: "blue", env: "test" } });
    result.Listed = await list();
    result.Limit1 = await list({ Limit: 1 });
    result.AfterEnv = await list({ ExclusiveStartTagKey: "env" });
    result.Overwrite = await outcome(kinesis, AddTagsToStreamCommand, { StreamName: stream, Tags: { team: "red" } });
    result.Eleven = await outcome(kinesis, AddTagsToStreamCommand, { StreamName: stream, Tags: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"])) });
    result.BadCharacter = await outcome(kinesis, AddTagsToStreamCommand, { StreamName: stream, Tags: { "bad!": "v" } });
    const batches = [];
    for (let b = 0; b < 5; b++) {
      batches.push(await outcome(kinesis, AddTagsToStreamCommand, { StreamName: stream, Tags: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`t${b}-${i}`, "v"])) }));
    }
    result.Batches = batches;
    // Pages of 10: kinesalite's Limit stops at 10 (Kinesis' at 50).
    const all = [];
    for (let r = { HasMoreTags: true }; r.HasMoreTags;) {
      r = await must(kinesis, ListTagsForStreamCommand, { StreamName: stream, Limit: 10, ExclusiveStartTagKey: all.length ? all[all.length - 1] : undefined });
      all.push(...r.Tags.map((t) => t.Key));
    }
    result.Count = all.length;
    // In tens as well: kinesalite's TagKeys stop at 10 (Kinesis' at 50).
    const doomed = all.filter((k) => k !== "team");
    const removals = new Set();
    for (let i = 0; i < doomed.length; i += 10) {
      removals.add(await outcome(kinesis, RemoveTagsFromStreamCommand, { StreamName: stream, TagKeys: doomed.slice(i, i + 10) }));
    }
    result.Remove = [...removals];
    result.RemoveMoreThan50 = await outcome(kinesis, RemoveTagsFromStreamCommand, { StreamName: stream, TagKeys: Array.from({ length: 51 }, (_, i) => `x${i}`) });
    result.Left = await list();
    await must(kinesis, RemoveTagsFromStreamCommand, { StreamName: stream, TagKeys: ["team"] });
    result.Empty = await list();
    result.NoTags = await outcome(kinesis, AddTagsToStreamCommand, { StreamName: stream, Tags: {} });
    return result;
  },

  async listShardsFilter() {
    const ids = async (input) => {
      const r = await call(kinesis, ListShardsCommand, { StreamName: stream, ...input });
      return r.ok ? r.value.Shards.map((s) => s.ShardId) : r.error.name;
    };
    const pages = [];
    let token;
    for (let i = 0; i < 6; i++) {
      const r = await must(kinesis, ListShardsCommand, token ? { NextToken: token, MaxResults: 1 } : { StreamName: stream, MaxResults: 1 });
      pages.push(r.Shards.map((s) => s.ShardId));
      token = r.NextToken;
      if (!token) break;
    }
    return {
      AtLatest: await ids({ ShardFilter: { Type: "AT_LATEST" } }),
      AfterShardId: await ids({ ShardFilter: { Type: "AFTER_SHARD_ID", ShardId: "shardId-000000000001" } }),
      FromTrimHorizon: await ids({ ShardFilter: { Type: "FROM_TRIM_HORIZON" } }),
      AtTimestamp: await ids({ ShardFilter: { Type: "AT_TIMESTAMP", Timestamp: new Date() } }),
      AtTimestampWithoutTimestamp: await ids({ ShardFilter: { Type: "AT_TIMESTAMP" } }),
      Pages: pages,
      TokenWithStreamName: await outcome(kinesis, ListShardsCommand, { StreamName: stream, NextToken: "x" }),
    };
  },

  async streamArnEverywhere() {
    const StreamARN = arnOf(stream);
    const shard = "shardId-000000000000";
    const result = {
      DescribeStream: await outcome(kinesis, DescribeStreamCommand, { StreamARN }),
      ListShards: await outcome(kinesis, ListShardsCommand, { StreamARN }),
      PutRecord: await outcome(kinesis, PutRecordCommand, { StreamARN, PartitionKey: "arn", Data: bytes("by-arn") }),
      PutRecords: await outcome(kinesis, PutRecordsCommand, { StreamARN, Records: [{ PartitionKey: "arn", Data: bytes("by-arn") }] }),
      GetShardIterator: await outcome(kinesis, GetShardIteratorCommand, { StreamARN, ShardId: shard, ShardIteratorType: "LATEST" }),
      ListTagsForStream: await outcome(kinesis, ListTagsForStreamCommand, { StreamARN }),
      IncreaseStreamRetentionPeriod: await outcome(kinesis, IncreaseStreamRetentionPeriodCommand, { StreamARN, RetentionPeriodHours: 24 }),
      OtherAccount: await outcome(kinesis, DescribeStreamSummaryCommand, { StreamARN: arnOf(stream, "123456789012") }),
      OtherAccountPut: await outcome(kinesis, PutRecordCommand, { StreamARN: arnOf(stream, "123456789012"), PartitionKey: "k", Data: bytes("x") }),
      OtherRegion: await outcome(kinesis, DescribeStreamSummaryCommand, { StreamARN: arnOf(stream, "000000000000", "eu-west-1") }),
      Malformed: await outcome(kinesis, DescribeStreamSummaryCommand, { StreamARN: `arn:aws:kinesis:us-east-1:123:stream/${stream}` }),
      NotAStream: await outcome(kinesis, DescribeStreamSummaryCommand, { StreamARN: "arn:aws:sqs:us-east-1:000000000000:queue" }),
      UnknownStream: await outcome(kinesis, DescribeStreamSummaryCommand, { StreamARN: arnOf("no-such-stream") }),
      NameAndArnDiffer: await outcome(kinesis, DescribeStreamSummaryCommand, { StreamName: "other", StreamARN }),
    };
    const it = await call(kinesis, GetShardIteratorCommand, { StreamARN, ShardId: shard, ShardIteratorType: "LATEST" });
    result.GetRecords = it.ok ? await outcome(kinesis, GetRecordsCommand, { StreamARN, ShardIterator: it.value.ShardIterator }) : "no iterator";
    return result;
  },

  async resharding() {
    const name = "fidelity-reshard";
    await must(kinesis, CreateStreamCommand, { StreamName: name, ShardCount: 2 });
    await settle(name);
    const put = (key, data) => must(kinesis, PutRecordCommand, { StreamName: name, PartitionKey: key, ExplicitHashKey: key, Data: bytes(data) });
    const it = async (ShardId) => (await must(kinesis, GetShardIteratorCommand, { StreamName: name, ShardId, ShardIteratorType: "TRIM_HORIZON" })).ShardIterator;
    const quarter = (POW_128 / 4n);
    await put("0", "before-split");
    const split = await outcome(kinesis, SplitShardCommand, { StreamName: name, ShardToSplit: "shardId-000000000000", NewStartingHashKey: quarter.toString() });
    // Kinesis (and we) refuse a second reshard while the first is under way; kinesalite at 0 ms may already be done.
    await settle(name);
    const shards = (await must(kinesis, ListShardsCommand, { StreamName: name })).Shards;
    const afterSplit = await put("0", "after-split");
    const parentPage = await must(kinesis, GetRecordsCommand, { ShardIterator: await it("shardId-000000000000") });
    const childPage = await must(kinesis, GetRecordsCommand, { ShardIterator: await it(afterSplit.ShardId) });
    const badKey = await outcome(kinesis, SplitShardCommand, { StreamName: name, ShardToSplit: "shardId-000000000001", NewStartingHashKey: "1" });
    const closed = await outcome(kinesis, SplitShardCommand, { StreamName: name, ShardToSplit: "shardId-000000000000", NewStartingHashKey: (quarter / 2n).toString() });
    // kinesalite takes the split of a closed shard and is UPDATING a moment: wait, so the next answer is not a race.
    await settle(name);
    const notAdjacent = await outcome(kinesis, MergeShardsCommand, { StreamName: name, ShardToMerge: "shardId-000000000002", AdjacentShardToMerge: "shardId-000000000001" });
    const merge = await outcome(kinesis, MergeShardsCommand, { StreamName: name, ShardToMerge: "shardId-000000000002", AdjacentShardToMerge: "shardId-000000000003" });
    await settle(name);
    const merged = (await must(kinesis, ListShardsCommand, { StreamName: name })).Shards.find((s) => s.ShardId === "shardId-000000000004");
    const update = await call(kinesis, UpdateShardCountCommand, { StreamName: name, TargetShardCount: 4, ScalingType: "UNIFORM_SCALING" });
    let open = null;
    if (update.ok) {
      await settle(name);
      open = (await must(kinesis, ListShardsCommand, { StreamName: name, ShardFilter: { Type: "AT_LATEST" } })).Shards.map((s) => [s.HashKeyRange.StartingHashKey, s.HashKeyRange.EndingHashKey]);
    }
    const tooFar = await outcome(kinesis, UpdateShardCountCommand, { StreamName: name, TargetShardCount: 100, ScalingType: "UNIFORM_SCALING" });
    await must(kinesis, DeleteStreamCommand, { StreamName: name });
    await settle(name, { gone: true });
    return {
      Split: split,
      Shards: shards.map((s) => [s.ShardId, s.ParentShardId ?? null, s.HashKeyRange.StartingHashKey, typeof s.SequenceNumberRange.EndingSequenceNumber === "string"]),
      AfterSplitShard: afterSplit.ShardId,
      ParentRead: parentPage.Records.map((r) => text(r.Data)),
      ParentNextShardIterator: parentPage.NextShardIterator ? "present" : null,
      ParentChildShards: (parentPage.ChildShards ?? []).map((c) => [c.ShardId, c.ParentShards]),
      ChildRead: childPage.Records.map((r) => text(r.Data)),
      SplitOutsideTheRange: badKey,
      SplitClosedShard: closed,
      MergeNotAdjacent: notAdjacent,
      Merge: merge,
      Merged: merged ? [merged.ParentShardId, merged.AdjacentParentShardId, merged.HashKeyRange.StartingHashKey, merged.HashKeyRange.EndingHashKey] : null,
      UpdateShardCount: update.ok ? [update.value.CurrentShardCount, update.value.TargetShardCount] : update.error.name,
      OpenAfterUpdate: open,
      UpdateBeyondDouble: tooFar,
    };
  },

  async expiredIterator() {
    if (!expiryWaitMs) return "skipped";
    const it = await iterator("shardId-000000000000", "LATEST");
    await sleep(expiryWaitMs);
    return outcome(kinesis, GetRecordsCommand, { ShardIterator: it });
  },
};

/** A request the SDK would never send (no signature), straight over HTTP. */
function raw(target, body) {
  return new Promise((resolve, reject) => {
    const request = http.request(endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target, "Content-Length": Buffer.byteLength(body) },
    }, (response) => {
      let text = "";
      response.on("data", (chunk) => (text += chunk));
      response.on("end", () => {
        let type = null;
        try { type = JSON.parse(text).__type; } catch { type = null; }
        resolve({ Status: response.statusCode, Type: type });
      });
    });
    request.on("error", reject);
    request.end(body);
  });
}

async function main() {
  if (args["create-stream"]) {
    await must(kinesis, CreateStreamCommand, { StreamName: stream, ShardCount: Number(args["create-stream"]) });
  }

  const names = args.case.length ? args.case : Object.keys(cases);
  const results = {};
  const run = async (name) => {
    try {
      results[name] = await cases[name]();
    } catch (e) {
      results[name] = { failed: String(e && e.stack || e) };
    }
  };
  // The expiry case only waits and writes nothing, so it runs beside the others instead of after them.
  const expiry = names.includes("expiredIterator") ? run("expiredIterator") : Promise.resolve();
  for (const name of names.filter((n) => n !== "expiredIterator")) {
    await run(name);
  }
  await expiry;
  process.stdout.write(JSON.stringify(results, null, 2) + "\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
