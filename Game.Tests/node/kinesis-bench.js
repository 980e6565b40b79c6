// PutRecords through our Kinesis API with AWS's own JavaScript SDK, against the real endpoint (B: appends, and the
// `score` function consumes) and the do-nothing endpoint beside it (A: /baseline/kinesis, signature and parse only),
// alternated in one run (A B A B ...), so the two rates and the server's CPU per record are ratios of one sitting
// (docs/performance.md, "Kinesis API"). At the end the real legs' records are checked on the scoreboard: every
// acknowledged record scored, exactly, nothing else.
//
// Records are shaped like the phones' (MessagePack MotionBatch, one sample, ~85 B; partition key = player). The
// producer keeps `in-flight` lanes, each with its own players and one call in flight; a call carries one record of
// each of the lane's players, so `records` × `in-flight` players, and a refused record is resent in its lane's next
// call before any newer record of its player (a player's records stay in order, and none is lost or doubled).
//
// Usage: node kinesis-bench.js --url http://127.0.0.1:5094 --presenter-key k [--pid SERVER_PID]
//   [--access-key AKIDGAMELOCAL] [--secret game-local-secret] [--stream motion] [--records 500] [--in-flight 4]
//   [--legs ABAB] [--leg-seconds 10] [--warmup-seconds 3] [--drain-timeout-seconds 120] [--json]
// The server's CPU comes from /proc/PID/stat with --pid (same machine), else from its /metrics.
// Exit code 0 when the real legs' records were all scored exactly; 1 otherwise.
const fs = require("fs");
const http = require("http");
const { KinesisClient, PutRecordsCommand } = require("@aws-sdk/client-kinesis");
const { NodeHttpHandler } = require("@smithy/node-http-handler");

const args = parseArgs(process.argv.slice(2));
const url = (args.url || "http://127.0.0.1:5094").replace(/\/$/, "");
const presenterKey = args["presenter-key"] || "k";
const pid = args.pid ? Number(args.pid) : null;
const accessKeyId = args["access-key"] || "AKIDGAMELOCAL";
const secretAccessKey = args.secret || "game-local-secret";
const streamName = args.stream || "motion";
const recordsPerCall = Number(args.records || 500);
const inFlight = Number(args["in-flight"] || 4);
const legs = (args.legs || "ABAB").toUpperCase();
const legSeconds = Number(args["leg-seconds"] || 10);
const warmupSeconds = Number(args["warmup-seconds"] || 3);
const drainTimeoutSeconds = Number(args["drain-timeout-seconds"] || 120);
const asJson = args.json !== undefined;
const log = asJson ? (...a) => console.error(...a) : (...a) => console.log(...a);

const fixed = (x, digits) => (x === null || x === undefined ? "-" : x.toFixed(digits));

function parseArgs(argv) {
  const parsed = {};
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, "");
    if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) parsed[name] = argv[++i];
    else parsed[name] = "";
  }
  return parsed;
}

// --- the scoring formula (Game.Functions/Scoring/MotionScoring.cs: points = floor(10 * min(max(m - 9.81, 0), 40)))
const points = (x, y, z) => Math.floor(10 * Math.min(Math.max(Math.sqrt(x * x + y * y + z * z) - 9.81, 0), 40) + 1e-9);

// --- MessagePack, just what a MotionBatch needs (string-keyed maps, strings, unsigned ints, float64)
function encodeBatch(gameId, playerId, seq, sample) {
  const parts = [];
  const str = (s) => {
    const b = Buffer.from(s, "utf8");
    parts.push(b.length < 32 ? Buffer.from([0xa0 | b.length]) : Buffer.from([0xd9, b.length]), b);
  };
  const f64 = (v) => {
    const b = Buffer.alloc(9);
    b[0] = 0xcb;
    b.writeDoubleBE(v, 1);
    parts.push(b);
  };
  const uint = (v) => {
    if (v < 128) parts.push(Buffer.from([v]));
    else if (v < 65536) parts.push(Buffer.from([0xcd, v >> 8, v & 0xff]));
    else {
      const b = Buffer.alloc(5);
      b[0] = 0xce;
      b.writeUInt32BE(v, 1);
      parts.push(b);
    }
  };
  parts.push(Buffer.from([0x84]));
  str("gameId"); str(gameId);
  str("playerId"); str(playerId);
  str("seq"); uint(seq);
  str("samples"); parts.push(Buffer.from([0x91, 0x84]));
  str("t"); f64(sample.t);
  str("x"); f64(sample.x);
  str("y"); f64(sample.y);
  str("z"); f64(sample.z);
  return Buffer.concat(parts);
}

/** A player's sample for a seq: 50 Hz device time, a shake whose points vary with the player and the seq. */
function sampleFor(playerIndex, seq) {
  return { t: seq * 20, x: 0.5, y: -0.25, z: 9.81 + ((playerIndex * 7 + seq * 13) % 41) + 0.375 };
}

// --- the game API
async function api(method, path, body, presenter) {
  const headers = { "content-type": "application/json" };
  if (presenter) headers.authorization = `Bearer ${presenterKey}`;
  const response = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function setUpGame(playerCount) {
  const game = await api("POST", "/api/games", { roundSeconds: 3600 }, true);
  const players = new Array(playerCount);
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < playerCount) {
      const i = next++;
      const joined = await api("POST", `/api/games/${game.gameId}/players`, { nickname: `K${i}`, team: "" });
      players[i] = joined.playerId;
    }
  }));
  const started = await api("POST", `/api/games/${game.gameId}/start`, undefined, true);
  // Records that arrive in the countdown count nothing: the real legs start once the round has.
  const startsAt = started.roundStartsAt ? Date.parse(started.roundStartsAt) : Date.now();
  await new Promise((r) => setTimeout(r, Math.max(0, startsAt - Date.now()) + 250));
  return { gameId: game.gameId, players };
}

async function scoreboardTotal(gameId) {
  const board = await api("GET", `/api/games/${gameId}/scoreboard`);
  return { total: board.players.reduce((s, p) => s + p.score, 0), players: board.players };
}

// --- the server's CPU
function cpuSeconds() {
  if (pid) {
    // utime and stime, in clock ticks (fields 14 and 15; the name in parentheses may hold spaces).
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }
  return null;
}

async function serverCpuSeconds() {
  const local = cpuSeconds();
  if (local !== null) return local;
  const text = await (await fetch(url + "/metrics")).text();
  return text.split("\n").filter((l) => l.startsWith("dotnet_process_cpu_time_seconds_total"))
    .reduce((s, l) => s + Number(l.trim().split(/\s+/).pop()), 0);
}

const loadAverage = () => fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

// --- the producer
function client(endpoint) {
  return new KinesisClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey },
    // HTTP/1.1 (our endpoint speaks no HTTP/2 in the clear), one kept-alive connection per lane.
    requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: inFlight }) }),
    // Our lanes resend refused records themselves, in order; an SDK retry would not know about the lanes.
    maxAttempts: 1,
  });
}

/** Lane state per player: the next seq and the record waiting for its ack (resent until acknowledged). */
function makeLanes(game, real) {
  return Array.from({ length: inFlight }, (_, lane) =>
    Array.from({ length: recordsPerCall }, (_, k) => {
      const index = lane * recordsPerCall + k;
      return { index, playerId: game.players[index], seq: 0, pending: null, real };
    }));
}

function recordOf(player, gameId) {
  if (!player.pending) {
    player.seq++;
    const sample = sampleFor(player.index, player.seq);
    player.pending = {
      seq: player.seq,
      points: points(sample.x, sample.y, sample.z),
      data: encodeBatch(gameId, player.playerId, player.seq, sample),
    };
  }
  return { Data: player.pending.data, PartitionKey: player.playerId };
}

async function runLeg(name, kinesis, lanes, gameId, seconds, expected) {
  const cpu0 = await serverCpuSeconds();
  const own0 = process.cpuUsage();
  const started = process.hrtime.bigint();
  const until = Date.now() + seconds * 1000;
  let acked = 0, failed = 0, calls = 0, errors = 0;
  const failures = {};
  await Promise.all(lanes.map(async (lane) => {
    while (Date.now() < until) {
      const records = lane.map((p) => recordOf(p, gameId));
      calls++;
      let answer;
      try {
        answer = await kinesis.send(new PutRecordsCommand({ StreamName: streamName, Records: records }));
      } catch (e) {
        errors++;
        failures[e.name] = (failures[e.name] || 0) + 1;
        if (errors > 20) throw e;
        continue;
      }
      answer.Records.forEach((r, k) => {
        const player = lane[k];
        if (r.SequenceNumber) {
          acked++;
          if (player.real) {
            expected.total += player.pending.points;
            expected.byPlayer.set(player.playerId, (expected.byPlayer.get(player.playerId) || 0) + player.pending.points);
            expected.records++;
          }
          player.pending = null;
        } else {
          failed++;
          failures[r.ErrorCode] = (failures[r.ErrorCode] || 0) + 1;
        }
      });
    }
  }));
  const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAtEnd = await serverCpuSeconds();
  const own = process.cpuUsage(own0);
  return { name, seconds: elapsed, calls, acked, failed, errors, failures, cpuStart: cpu0, cpuAtEnd, clientCpu: (own.user + own.system) / 1e6 };
}

/** Waits until the scoreboard holds every acknowledged record's points; the leg's CPU runs until then. */
async function drain(gameId, expected, leg) {
  const started = Date.now();
  let seen;
  while (true) {
    seen = await scoreboardTotal(gameId);
    if (seen.total >= expected.total || Date.now() - started > drainTimeoutSeconds * 1000) break;
    // Each look reads every player's ledger from the store: often enough to time the drain, rarely enough to cost little.
    await new Promise((r) => setTimeout(r, 500));
  }
  leg.drainSeconds = (Date.now() - started) / 1000;
  leg.cpuEnd = await serverCpuSeconds();
  return seen;
}

function summarize(leg) {
  const cpu = (leg.cpuEnd ?? leg.cpuAtEnd) - leg.cpuStart;
  return {
    ...leg,
    recordsPerSecond: leg.acked / leg.seconds,
    serverCpuSeconds: cpu,
    serverCores: cpu / (leg.seconds + (leg.drainSeconds || 0)),
    serverCpuMicrosPerRecord: leg.acked ? (cpu * 1e6) / leg.acked : null,
    clientCpuMicrosPerRecord: leg.acked ? (leg.clientCpu * 1e6) / leg.acked : null,
  };
}

async function main() {
  const loadBefore = loadAverage();
  log(`load average ${loadBefore}; ${recordsPerCall} records per call, ${inFlight} calls in flight, legs ${legs} of ${legSeconds} s`);
  const game = await setUpGame(recordsPerCall * inFlight);
  log(`game ${game.gameId}: ${game.players.length} players joined, round running`);
  const real = client(url);
  const baseline = client(url + "/baseline/kinesis");
  const realLanes = makeLanes(game, true);
  const baselineLanes = makeLanes(game, false);
  const expected = { total: 0, records: 0, byPlayer: new Map() };

  if (warmupSeconds > 0) {
    if (legs.includes("A")) await runLeg("warm-up A", baseline, baselineLanes, game.gameId, warmupSeconds, expected);
    const warm = await runLeg("warm-up B", real, realLanes, game.gameId, warmupSeconds, expected);
    await drain(game.gameId, expected, warm);
  }

  const results = [];
  for (const letter of legs) {
    const isReal = letter === "B";
    const leg = await runLeg(letter, isReal ? real : baseline, isReal ? realLanes : baselineLanes, game.gameId, legSeconds, expected);
    if (isReal) await drain(game.gameId, expected, leg);
    const summary = summarize(leg);
    results.push(summary);
    log(`${letter} ${isReal ? "real    " : "baseline"}  ${fixed(summary.recordsPerSecond, 0).padStart(7)} records/s` +
      `  server ${fixed(summary.serverCpuMicrosPerRecord, 1).padStart(6)} µs/record (${fixed(summary.serverCores, 2)} cores)` +
      `  client ${fixed(summary.clientCpuMicrosPerRecord, 1)} µs/record` +
      (isReal ? `  drained ${leg.drainSeconds.toFixed(1)} s after` : "") +
      (leg.failed || leg.errors ? `  refused ${leg.failed} records, ${leg.errors} calls failed ${JSON.stringify(leg.failures)}` : ""));
  }

  // Verify: every acknowledged record of the real legs scored, exactly (the scoreboard against the points sent).
  const board = await scoreboardTotal(game.gameId);
  const mismatched = board.players.filter((p) => p.score !== (expected.byPlayer.get(p.playerId) || 0)).length;
  const verified = board.total === expected.total && mismatched === 0;

  // Means over the legs of each kind; null when the run had none (--legs BB measures the real endpoint alone).
  const mean = (letter, key) => {
    const xs = results.filter((r) => r.name === letter).map((r) => r[key]);
    return xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null;
  };
  const summary = {
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadAverage(),
    recordsPerCall, inFlight, legSeconds, players: game.players.length,
    baselineRecordsPerSecond: mean("A", "recordsPerSecond"),
    realRecordsPerSecond: mean("B", "recordsPerSecond"),
    rateRatio: mean("A", "recordsPerSecond") && mean("B", "recordsPerSecond") !== null ? mean("B", "recordsPerSecond") / mean("A", "recordsPerSecond") : null,
    baselineServerCpuMicrosPerRecord: mean("A", "serverCpuMicrosPerRecord"),
    realServerCpuMicrosPerRecord: mean("B", "serverCpuMicrosPerRecord"),
    realRecords: expected.records,
    expectedPoints: expected.total,
    scoreboardPoints: board.total,
    mismatchedPlayers: mismatched,
    verified,
    legs: results,
  };
  log(`real / baseline rate ${fixed(summary.rateRatio === null ? null : 100 * summary.rateRatio, 1)} %; server CPU per record: real ` +
    `${fixed(summary.realServerCpuMicrosPerRecord, 1)} µs, baseline ${fixed(summary.baselineServerCpuMicrosPerRecord, 1)} µs`);
  log(verified
    ? `verified: all ${expected.records} acknowledged records of the real legs scored exactly (${expected.total} points)`
    : `NOT VERIFIED: scoreboard ${board.total} points, expected ${expected.total}; ${mismatched} players differ`);
  log(`load average ${summary.loadAverageAfter}`);
  if (asJson) console.log(JSON.stringify(summary));
  process.exit(verified ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
