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
