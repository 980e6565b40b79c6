// Delivery delay of enhanced fan-out against polling, in one run and from one producer: a SubscribeToShard consumer
// (records pushed as they commit, over HTTP/2) and GetRecords pollers that sleep a fixed interval after each call
// (the KCL's idleTimeBetweenReadsInMillis; Lambda polls a shard about once a second), all reading the same records
// of a one-shard stream of its own. A record's delay is the time from its PutRecord acknowledgement to its arrival at
// each consumer (negative when the push beats the acknowledgement back to the producer), and from its send.
// Usage: node fanout-delay.js --endpoint URL --access-key ID --secret KEY [--records 600] [--every-ms 50] [--polls 200,1000]
const { performance } = require("perf_hooks");
const {
  KinesisClient,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
  PutRecordCommand,
  GetShardIteratorCommand,
  GetRecordsCommand,
  RegisterStreamConsumerCommand,
  DescribeStreamConsumerCommand,
  SubscribeToShardCommand,
} = require("@aws-sdk/client-kinesis");
const { NodeHttpHandler } = require("@smithy/node-http-handler");
const http = require("http");

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const endpoint = args.endpoint;
const credentials = { accessKeyId: args["access-key"], secretAccessKey: args.secret };
const records = Number(args.records || 600);
const everyMs = Number(args["every-ms"] || 50);
const polls = (args.polls || "200,1000").split(",").map(Number);
const stream = `delay-${Date.now()}`;
const shardId = "shardId-000000000000";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const h1 = () => new KinesisClient({
  endpoint, region: "us-east-1", credentials, maxAttempts: 1,
  requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true }) }),
});
const control = h1();
const h2 = new KinesisClient({ endpoint, region: "us-east-1", credentials, maxAttempts: 1 });

const sentAt = new Map();
const ackedAt = new Map();
const consumers = {};
let producing = true;

function consumer(name) {
  consumers[name] = new Map();
  return (data, at) => {
    const id = Number(Buffer.from(data).toString("utf8"));
    if (!consumers[name].has(id)) consumers[name].set(id, at);
  };
}

async function fanOut(streamArn) {
  const arn = (await control.send(new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: "delay" }))).Consumer.ConsumerARN;
  while ((await control.send(new DescribeStreamConsumerCommand({ ConsumerARN: arn }))).ConsumerDescription.ConsumerStatus !== "ACTIVE") await sleep(50);
  const received = consumer("SubscribeToShard (push)");
  let position = { Type: "LATEST" };
  const subscribed = (async () => {
    // Renews as a consumer must (every 5 minutes), after the last continuation; a short run never needs to.
    while (producing) {
      const { EventStream } = await h2.send(new SubscribeToShardCommand({ ConsumerARN: arn, ShardId: shardId, StartingPosition: position }));
      for await (const event of EventStream) {
        const e = event.SubscribeToShardEvent;
        if (!e) continue;
        const at = performance.now();
        for (const record of e.Records) received(record.Data, at);
        if (e.ContinuationSequenceNumber) position = { Type: "AFTER_SEQUENCE_NUMBER", SequenceNumber: e.ContinuationSequenceNumber };
        if (!producing) break;
      }
    }
  })();
  // LATEST is fixed when the subscription answers: wait for it before producing. Wrapped: an async function
  // returning the promise itself would make its caller wait for the reader to end.
  await sleep(200);
  return { done: subscribed };
}

async function poller(intervalMs) {
  const client = h1();
  const received = consumer(`GetRecords every ${intervalMs} ms (poll)`);
  let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: "LATEST" }))).ShardIterator;
  const done = (async () => {
    while (producing) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      const at = performance.now();
      for (const record of page.Records) received(record.Data, at);
      iterator = page.NextShardIterator;
      await sleep(intervalMs);
    }
  })();
  return { done };
}

function summary(name, byId) {
  const fromAck = [];
  const fromSend = [];
  for (let id = 0; id < records; id++) {
    if (!byId.has(id) || !ackedAt.has(id)) continue;
    fromAck.push(byId.get(id) - ackedAt.get(id));
    fromSend.push(byId.get(id) - sentAt.get(id));
  }

  const stats = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    return {
      mean: values.reduce((a, b) => a + b, 0) / values.length,
      p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1],
    };
  };
  return { consumer: name, received: fromAck.length, missing: records - fromAck.length, fromAck: stats(fromAck), fromSend: stats(fromSend) };
}

(async () => {
  await control.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));
  const streamArn = (await control.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary.StreamARN;
  // Each reader ends on its own (an error once the stream is deleted is expected): none may go unhandled.
  const readers = [await fanOut(streamArn), ...(await Promise.all(polls.map(poller)))].map((reader) => reader.done.catch(() => {}));

  const producer = h1();
  const start = performance.now();
  for (let id = 0; id < records; id++) {
    // Paced from the start, not from the last acknowledgement, so a slow put does not slow the rate.
    const due = start + id * everyMs - performance.now();
    if (due > 0) await sleep(due);
    sentAt.set(id, performance.now());
    await producer.send(new PutRecordCommand({ StreamName: stream, PartitionKey: `p-${id % 16}`, Data: Buffer.from(String(id)) }));
    ackedAt.set(id, performance.now());
  }

  // Stragglers: the slowest poller's interval and a call, twice over.
  await sleep(2 * (Math.max(...polls) + 500));
  producing = false;
  const results = Object.entries(consumers).map(([name, byId]) => summary(name, byId));
  // Ratios from the send: the push often beats the acknowledgement back to the producer, so its delay from the
  // acknowledgement is near zero or below, no base for a ratio.
  const push = results[0].fromSend.p50;
  const round = (v) => Math.round(v * 100) / 100;
  console.log(`${records} records, one every ${everyMs} ms, one shard; delay in ms from the PutRecord acknowledgement (and from the send)`);
  console.log("| consumer | received | p50 | p90 | p99 | max | mean | p50 from send | ÷ push (p50 from send) |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const r of results) {
    const a = r.fromAck;
    console.log(`| ${r.consumer} | ${r.received}/${records} | ${round(a.p50)} | ${round(a.p90)} | ${round(a.p99)} | ${round(a.max)} | ${round(a.mean)} | ${round(r.fromSend.p50)} | ${round(r.fromSend.p50 / push)} |`);
  }

  console.log(JSON.stringify(results));
  await control.send(new DeleteStreamCommand({ StreamName: stream, EnforceConsumerDeletion: true }));
  // The subscription ends with the stream; the pollers stop at their next call.
  await Promise.race([Promise.allSettled(readers), sleep(5000)]);
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
