// Enhanced fan-out with AWS's own JavaScript SDK (@aws-sdk/client-kinesis): the stream consumer operations and
// SubscribeToShard, which the SDK sends over HTTP/2 (its default handler; prior-knowledge h2c on a plain-http
// endpoint). Runs named cases in order and prints one JSON object, { caseName: result }, on stdout; results hold
// only what is deterministic (no ARN epochs, no times), so a test compares them exactly.
// Usage: node fanout-cases.js --endpoint URL --access-key ID --secret KEY
//          [--lifetime-seconds N] [--peer kinesalite] [--case NAME ...]
// Each case creates its own stream (fo-<case>), so cases do not see each other's records or consumers.
const http = require("http");
const http2 = require("http2");
const {
  KinesisClient,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  ListStreamsCommand,
  PutRecordCommand,
  SplitShardCommand,
  RegisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  ListStreamConsumersCommand,
  DeregisterStreamConsumerCommand,
  SubscribeToShardCommand,
} = require("@aws-sdk/client-kinesis");
const { NodeHttpHandler } = require("@smithy/node-http-handler");

const args = parseArgs(process.argv.slice(2));
const endpoint = args.endpoint;
const credentials = { accessKeyId: args["access-key"], secretAccessKey: args.secret };
const lifetimeSeconds = Number(args["lifetime-seconds"] || 0);

function parseArgs(argv) {
  const parsed = { case: [] };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, "");
    if (name === "case") parsed.case.push(argv[i + 1]);
    else parsed[name] = argv[i + 1];
  }
  return parsed;
}

// The SDK's default handler speaks HTTP/2 (SubscribeToShard needs it); the consumer operations go over it too,
// so one endpoint serving both protocols is what these cases exercise. HTTP/1.1 for the setup calls.
const h2 = new KinesisClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });
const h1 = new KinesisClient({ endpoint, region: "us-east-1", credentials, requestHandler: new NodeHttpHandler(), maxAttempts: 1 });

async function call(c, Command, input, options) {
  try {
    return { ok: true, value: await c.send(new Command(input), options) };
  } catch (e) {
    return { ok: false, error: { name: e.name, message: e.message } };
  }
}

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
const shard0 = "shardId-000000000000";

/** Polls until check(value) holds (or 30 s pass); answers the last value. */
async function until(get, check) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const value = await get();
    if (check(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

async function createStream(name, shards = 1) {
  await must(h1, CreateStreamCommand, { StreamName: name, ShardCount: shards });
  return (await must(h1, DescribeStreamSummaryCommand, { StreamName: name })).StreamDescriptionSummary.StreamARN;
}

async function put(stream, data, key = "fan-out") {
  return (await must(h1, PutRecordCommand, { StreamName: stream, PartitionKey: key, Data: bytes(data) })).SequenceNumber;
}

/** Registers a consumer and waits until it is ACTIVE (a consumer is CREATING for a while, as on Kinesis). */
async function activeConsumer(streamArn, name) {
  const arn = (await must(h2, RegisterStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: name })).Consumer.ConsumerARN;
  const described = await until(() => call(h2, DescribeStreamConsumerCommand, { ConsumerARN: arn }),
    (r) => r.ok && r.value.ConsumerDescription.ConsumerStatus === "ACTIVE");
  if (!described.ok || described.value.ConsumerDescription.ConsumerStatus !== "ACTIVE") throw new Error(`consumer ${name} never became ACTIVE`);
  return arn;
}

/**
 * A subscription read in the background: events as they come (records as text, continuation, behind, children),
 * how it ended (null while open, "done" or the error's name), and waiters for a number of records.
 */
async function subscribe(consumerArn, startingPosition, shardId = shard0, client = h2) {
  const abort = new AbortController();
  const r = await call(client, SubscribeToShardCommand, { ConsumerARN: consumerArn, ShardId: shardId, StartingPosition: startingPosition },
    { abortSignal: abort.signal });
  if (!r.ok) return { error: r.error.name };
  const s = { events: [], records: [], ended: null, close: () => abort.abort() };
  const changed = [];
  const notify = () => changed.splice(0).forEach((resolve) => resolve());
  s.done = (async () => {
    try {
      for await (const event of r.value.EventStream) {
        const e = event.SubscribeToShardEvent;
        if (!e) continue;
        s.events.push({
          records: e.Records.map((x) => ({ data: text(x.Data), seq: x.SequenceNumber })),
          continuation: e.ContinuationSequenceNumber ?? null,
          behind: e.MillisBehindLatest,
          children: e.ChildShards ? e.ChildShards.map((c) => [c.ShardId, c.ParentShards, c.HashKeyRange.StartingHashKey, c.HashKeyRange.EndingHashKey]) : null,
        });
        s.records.push(...e.Records.map((x) => ({ data: text(x.Data), seq: x.SequenceNumber, arrival: x.ApproximateArrivalTimestamp })));
        notify();
      }
      s.ended = "done";
    } catch (e) {
      s.ended = abort.signal.aborted ? "aborted" : e.name;
    }
    notify();
  })();
  s.waitFor = async (count, ms = 15000) => {
    const deadline = Date.now() + ms;
    while (s.records.length < count && s.ended === null && Date.now() < deadline) {
      await Promise.race([new Promise((resolve) => changed.push(resolve)), sleep(deadline - Date.now())]);
    }
    return s.records.slice(0, count);
  };
  s.waitEnd = async (ms = 15000) => {
    await Promise.race([s.done, sleep(ms)]);
    return s.ended;
  };
  return s;
}

const cases = {
  /** Register, describe (by ARN and by stream and name), list with pages, the limit of 20, deregister and register again. */
  async consumers() {
    const streamArn = await createStream("fo-consumers");
    const r = {};
    const registered = await must(h2, RegisterStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: "c-01" });
    const arn = registered.Consumer.ConsumerARN;
    r.Registered = {
      ConsumerName: registered.Consumer.ConsumerName,
      ConsumerStatus: registered.Consumer.ConsumerStatus,
      ArnHasKinesisForm: /^arn:aws:kinesis:us-east-1:000000000000:stream\/fo-consumers\/consumer\/c-01:\d+$/.test(arn),
      HasCreationTimestamp: registered.Consumer.ConsumerCreationTimestamp instanceof Date,
    };
    r.RegisterAgain = await outcome(h2, RegisterStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: "c-01" });
    const active = await until(() => must(h2, DescribeStreamConsumerCommand, { ConsumerARN: arn }),
      (d) => d.ConsumerDescription.ConsumerStatus === "ACTIVE");
    r.BecameActive = active.ConsumerDescription.ConsumerStatus;
    r.DescribedStreamArn = active.ConsumerDescription.StreamARN === streamArn;
    const byName = await must(h2, DescribeStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: "c-01" });
    r.ByNameSameArn = byName.ConsumerDescription.ConsumerARN === arn;
    for (const name of ["c-02", "c-03"]) await must(h2, RegisterStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: name });
    const first = await must(h2, ListStreamConsumersCommand, { StreamARN: streamArn, MaxResults: 2 });
    const second = await must(h2, ListStreamConsumersCommand, { StreamARN: streamArn, NextToken: first.NextToken });
    r.Pages = [first.Consumers.map((c) => c.ConsumerName), second.Consumers.map((c) => c.ConsumerName)];
    r.SecondPageHasNextToken = second.NextToken !== undefined;
    r.ConsumerCount = (await must(h2, DescribeStreamSummaryCommand, { StreamARN: streamArn })).StreamDescriptionSummary.ConsumerCount;
    r.UnknownName = await outcome(h2, DescribeStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: "nobody" });
    r.ArnOfAnotherEpoch = await outcome(h2, DescribeStreamConsumerCommand, { ConsumerARN: arn.replace(/:(\d+)$/, (_, e) => `:${Number(e) + 1000}`) });
    r.NeitherArnNorName = await outcome(h2, DescribeStreamConsumerCommand, { StreamARN: streamArn });
    r.BadName = await outcome(h2, RegisterStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: "bad name" });
    r.NoStreamArn = await outcome(h2, RegisterStreamConsumerCommand, { ConsumerName: "c-x" });
    r.UnknownStream = await outcome(h2, RegisterStreamConsumerCommand, {
      StreamARN: "arn:aws:kinesis:us-east-1:000000000000:stream/no-such-stream", ConsumerName: "c-x" });
    const more = [];
    for (let i = 4; i <= 21; i++) more.push(await outcome(h2, RegisterStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: `c-${String(i).padStart(2, "0")}` }));
    r.Registering4To21 = more;
    const two = (await must(h2, DescribeStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: "c-02" })).ConsumerDescription.ConsumerARN;
    r.Deregister = await outcome(h2, DeregisterStreamConsumerCommand, { ConsumerARN: two });
    r.Gone = await until(() => outcome(h2, DescribeStreamConsumerCommand, { ConsumerARN: two }), (o) => o !== "ok");
    r.DeregisterAgain = await outcome(h2, DeregisterStreamConsumerCommand, { ConsumerARN: two });
    const again = await must(h2, RegisterStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: "c-02" });
    r.RegisteredAgainWithNewArn = again.Consumer.ConsumerARN !== two;
    r.DeregisterByStreamAndName = await outcome(h2, DeregisterStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: "c-03" });
    return r;
  },

  /** LATEST, then records put after the subscription started arrive in order, with continuations at the last record. */
  async subscribeLatest() {
    const streamArn = await createStream("fo-latest");
    await put("fo-latest", "before");
    const consumer = await activeConsumer(streamArn, "latest");
    const s = await subscribe(consumer, { Type: "LATEST" });
    const sent = [];
    for (let i = 1; i <= 5; i++) sent.push(await put("fo-latest", `l-${i}`));
    const read = await s.waitFor(5);
    s.close();
    await s.waitEnd();
    const withRecords = s.events.filter((e) => e.records.length > 0);
    return {
      Read: read.map((x) => x.data),
      SameSequenceNumbers: JSON.stringify(read.map((x) => x.seq)) === JSON.stringify(sent),
      ContinuationIsLastRecord: withRecords.every((e) => e.continuation === e.records[e.records.length - 1].seq),
      EveryEventHasContinuation: s.events.every((e) => typeof e.continuation === "string"),
      MillisBehindLatestAtTip: s.events[s.events.length - 1].behind,
      EndedBy: s.ended,
    };
  },

  /** TRIM_HORIZON reads what was there before, then what comes after, in order. */
  async subscribeTrimHorizon() {
    const streamArn = await createStream("fo-trim");
    for (let i = 1; i <= 4; i++) await put("fo-trim", `t-${i}`);
    const consumer = await activeConsumer(streamArn, "trim");
    const s = await subscribe(consumer, { Type: "TRIM_HORIZON" });
    const early = await s.waitFor(4);
    await put("fo-trim", "t-5");
    const all = await s.waitFor(5);
    s.close();
    await s.waitEnd();
    return { Early: early.map((x) => x.data), All: all.map((x) => x.data), FirstEventBeforeAnyWait: s.events[0].records.length };
  },

  /** AT/AFTER_SEQUENCE_NUMBER, AT_TIMESTAMP, resuming after a ContinuationSequenceNumber, and the start errors. */
  async startingPositions() {
    const streamArn = await createStream("fo-start");
    const seqs = [];
    for (let i = 1; i <= 4; i++) {
      seqs.push(await put("fo-start", `s-${i}`));
      // Apart by more than a millisecond, so AT_TIMESTAMP of one record's arrival cannot also match the one before.
      await sleep(20);
    }
    const r = {};
    const at = await subscribe(await activeConsumer(streamArn, "at"), { Type: "AT_SEQUENCE_NUMBER", SequenceNumber: seqs[1] });
    const atRead = await at.waitFor(3);
    r.At = atRead.map((x) => x.data);
    const continuation = at.events[at.events.length - 1].continuation;
    r.ContinuationIsTheLastRecord = continuation === seqs[3];
    at.close();
    const after = await subscribe(await activeConsumer(streamArn, "after"), { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: seqs[1] });
    r.After = (await after.waitFor(2)).map((x) => x.data);
    after.close();
    const stamp = await subscribe(await activeConsumer(streamArn, "stamp"), { Type: "AT_TIMESTAMP", Timestamp: atRead[1].arrival });
    r.AtTimestamp = (await stamp.waitFor(2)).map((x) => x.data);
    stamp.close();
    await put("fo-start", "s-5");
    const resumed = await subscribe(await activeConsumer(streamArn, "resume"), { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: continuation });
    r.ResumedAfterContinuation = (await resumed.waitFor(1)).map((x) => x.data);
    resumed.close();
    const errors = await activeConsumer(streamArn, "errors");
    r.TimestampInTheFuture = (await subscribe(errors, { Type: "AT_TIMESTAMP", Timestamp: new Date(Date.now() + 60000) })).error ?? "ok";
    r.AtWithoutSequenceNumber = (await subscribe(errors, { Type: "AT_SEQUENCE_NUMBER" })).error ?? "ok";
    r.UnknownShard = (await subscribe(errors, { Type: "LATEST" }, "shardId-000000000007")).error ?? "ok";
    r.UnknownConsumer = (await subscribe(errors.replace("consumer/errors:", "consumer/nobody:"), { Type: "LATEST" })).error ?? "ok";
    r.BadType = (await subscribe(errors, { Type: "SOMEWHERE" })).error ?? "ok";
    const wrongSecret = new KinesisClient({ endpoint, region: "us-east-1", credentials: { ...credentials, secretAccessKey: "wrong-secret" }, maxAttempts: 1 });
    r.WrongSecret = (await subscribe(errors, { Type: "LATEST" }, shard0, wrongSecret)).error ?? "ok";
    for (const s of [at, after, stamp, resumed]) await s.waitEnd();
    return r;
  },

  /**
   * One subscription per consumer and shard: a second one at once is refused; once the first is older than the
   * takeover window, a new one takes over and the first ends with ResourceInUseException.
   */
  async oneSubscription() {
    const streamArn = await createStream("fo-one");
    const consumer = await activeConsumer(streamArn, "one");
    const first = await subscribe(consumer, { Type: "LATEST" });
    const r = { Second: (await subscribe(consumer, { Type: "LATEST" })).error ?? "ok" };
    let third;
    const deadline = Date.now() + 30000;
    do {
      await sleep(250);
      third = await subscribe(consumer, { Type: "LATEST" });
    } while (third.error === "ResourceInUseException" && Date.now() < deadline);
    r.TakenOver = third.error ?? "ok";
    r.FirstEndedWith = await first.waitEnd();
    await put("fo-one", "one-1");
    r.ThirdReads = (await third.waitFor(1)).map((x) => x.data);
    r.FirstRead = first.records.map((x) => x.data);
    third.close();
    await third.waitEnd();
    return r;
  },

  /** A subscription ends by itself after its lifetime (configured short here), with heartbeats on a quiet shard. */
  async lifetime() {
    const streamArn = await createStream("fo-life");
    const consumer = await activeConsumer(streamArn, "life");
    const started = Date.now();
    const s = await subscribe(consumer, { Type: "LATEST" });
    const ended = await s.waitEnd((lifetimeSeconds + 30) * 1000);
    const elapsed = Date.now() - started;
    return {
      EndedBy: ended,
      NotBeforeTheLifetime: elapsed >= lifetimeSeconds * 1000 - 250,
      SoonAfterTheLifetime: elapsed < lifetimeSeconds * 1000 + 5000,
      EmptyEvents: s.events.every((e) => e.records.length === 0),
      AtLeastTwoHeartbeats: s.events.length >= 2,
    };
  },

  /** A split closes the shard: the subscription delivers what is left, then SHARD_END with ChildShards and no continuation. */
  async shardEnd() {
    const streamArn = await createStream("fo-split");
    const consumer = await activeConsumer(streamArn, "split");
    const s = await subscribe(consumer, { Type: "LATEST" });
    await put("fo-split", "before-split");
    await s.waitFor(1);
    await must(h1, SplitShardCommand, { StreamName: "fo-split", ShardToSplit: shard0, NewStartingHashKey: String(1n << 127n) });
    const ended = await s.waitEnd();
    const last = s.events[s.events.length - 1];
    await put("fo-split", "after-split");
    const children = last.children ?? [];
    // The record after the split is in one child; each child is its own shard, so one consumer may read both.
    const reads = [];
    for (const [child] of children) reads.push(await subscribe(consumer, { Type: "TRIM_HORIZON" }, child));
    const afterSplit = await Promise.race(reads.map((c) => c.waitFor(1).then((x) => x.map((y) => y.data))));
    for (const c of reads) c.close();
    for (const c of reads) await c.waitEnd();
    return {
      Read: s.records.map((x) => x.data),
      EndedBy: ended,
      LastHasContinuation: last.continuation !== null,
      ChildShards: last.children,
      ContinuationsBeforeTheEnd: s.events.slice(0, -1).every((e) => e.continuation !== null),
      ChildRead: afterSplit,
    };
  },

  /** DeleteStream needs EnforceConsumerDeletion while consumers exist; then its subscriptions end and its consumers go with it. */
  async deleteStreamWithConsumers() {
    const streamArn = await createStream("fo-delete");
    const consumer = await activeConsumer(streamArn, "doomed");
    const r = { WithoutEnforce: await outcome(h1, DeleteStreamCommand, { StreamName: "fo-delete" }) };
    const s = await subscribe(consumer, { Type: "LATEST" });
    r.WithEnforce = await outcome(h1, DeleteStreamCommand, { StreamName: "fo-delete", EnforceConsumerDeletion: true });
    r.SubscriptionEndedWith = await s.waitEnd();
    r.ListAfterDelete = await outcome(h2, ListStreamConsumersCommand, { StreamARN: streamArn });
    const again = await createStream("fo-delete");
    r.ConsumersOfTheNewStream = (await must(h2, ListStreamConsumersCommand, { StreamARN: again })).Consumers.length;
    r.OldConsumer = await outcome(h2, DescribeStreamConsumerCommand, { ConsumerARN: consumer });
    return r;
  },

  /** HTTP/2 and HTTP/1.1 on the same plain-http port: any operation over either, and the pages over HTTP/1.1. */
  async bothProtocols() {
    const overH2 = (await must(h2, ListStreamsCommand, {})).StreamNames.includes("motion");
    const overH1 = (await must(h1, ListStreamsCommand, {})).StreamNames.includes("motion");
    const url = new URL(endpoint);
    const h1Health = await new Promise((resolve, reject) =>
      http.get({ host: url.hostname, port: url.port, path: "/health" }, (res) => { res.resume(); resolve(`${res.statusCode} HTTP/${res.httpVersion}`); }).on("error", reject));
    const h2Health = await new Promise((resolve, reject) => {
      const session = http2.connect(endpoint);
      session.on("error", reject);
      const req = session.request({ ":path": "/health" });
      req.on("response", (headers) => { req.resume(); req.on("end", () => { session.close(); resolve(`${headers[":status"]} HTTP/2`); }); });
      req.end();
    });
    return { ListStreamsOverHttp2: overH2, ListStreamsOverHttp1: overH1, HealthOverHttp1: h1Health, HealthOverHttp2: h2Health };
  },

  /** kinesalite has no enhanced fan-out at all: every operation is unknown there (and it speaks HTTP/1.1 only). */
  async kinesaliteHasNoFanOut() {
    await must(h1, CreateStreamCommand, { StreamName: "fo-kinesalite", ShardCount: 1 });
    await until(() => must(h1, DescribeStreamSummaryCommand, { StreamName: "fo-kinesalite" }), (d) => d.StreamDescriptionSummary.StreamStatus === "ACTIVE");
    const streamArn = "arn:aws:kinesis:us-east-1:000000000000:stream/fo-kinesalite";
    const consumerArn = `${streamArn}/consumer/c:1`;
    return {
      RegisterStreamConsumer: await outcome(h1, RegisterStreamConsumerCommand, { StreamARN: streamArn, ConsumerName: "c" }),
      DescribeStreamConsumer: await outcome(h1, DescribeStreamConsumerCommand, { ConsumerARN: consumerArn }),
      ListStreamConsumers: await outcome(h1, ListStreamConsumersCommand, { StreamARN: streamArn }),
      DeregisterStreamConsumer: await outcome(h1, DeregisterStreamConsumerCommand, { ConsumerARN: consumerArn }),
      SubscribeToShard: (await subscribe(consumerArn, { Type: "LATEST" }, shard0, h1)).error ?? "ok",
    };
  },
};

(async () => {
  const names = args.case.length > 0 ? args.case : Object.keys(cases).filter((n) => n !== "kinesaliteHasNoFanOut");
  const results = {};
  for (const name of names) {
    try {
      results[name] = await cases[name]();
    } catch (e) {
      results[name] = { failed: `${e.name}: ${e.message}\n${e.stack}` };
    }
  }
  console.log(JSON.stringify(results));
  h1.destroy();
  h2.destroy();
  process.exit(0);
})();
