// The phone controller: joins a game, streams DeviceMotion samples in batches about every 100 ms, and resends
// any batch the server has not acknowledged (the server drops duplicates by seq). It draws its own standing
// (phase, clock, score, rank, team total), which the phone hub pushes on connect and on every change or returns
// inside the ack of a batch; it never sees the display's frames.
import { $, connectHub, formatClock, numbers, phaseOf, startHub } from "/shared/game.js";
import { markElement, teamStyle } from "/shared/palette.js";
import { drawSpot } from "/play/spot.js";
import { t } from "/play/strings.js";

const MAX_SAMPLES_PER_BATCH = 200; // GameLimits.MaxSamplesPerBatch
const GRAVITY = 9.81;

const params = new URLSearchParams(location.search);
if (params.get("game")) $("game").value = params.get("game").toUpperCase();
// The counters of sent and waiting batches are for whoever tests the page (?debug), not for players.
const debug = params.has("debug");
$("diagnostics").hidden = !debug;
const playUrl = (gameId) => `/play?game=${gameId}${debug ? "&debug" : ""}`;

let player = null, phone = null, frame = null, clockOffset = 0;
let seq = 0, savedSeq = 0, samples = [], sent = 0, lastT = -Infinity, motion = "off", wakeLock = null, lastPhase = null, energy = 0;
const unacked = new Map();
const inFlight = new Set();

const storageKey = (gameId) => `shake.player.${gameId}`;
// Device time in milliseconds since the epoch (the page's time origin plus the event's timeStamp), in real time
// and increasing across reloads, where a timeStamp alone restarts near 0 on every load. `clockShift` is 0 unless the
// device's clock was set back since the last sample this player sent (it is saved with the seq).
let clockShift = 0;
const deviceNow = () => performance.timeOrigin + performance.now() + clockShift;

// ---- motion ----

// Samples go out from the countdown until just after the round (the server decides what counts, by arrival);
// without a frame yet the phone sends anyway rather than lose the start of a round.
function collecting() {
  const phase = phaseOf(frame);
  if (phase === "none" || phase === "countdown" || phase === "running") return true;
  return phase === "finished" && Date.now() + clockOffset < Number(frame.roundEndsAt) + 1500;
}

function onMotion(e) {
  const a = e.accelerationIncludingGravity;
  if (!a || a.x == null) {
    // Chromium without sensors fires one event of nulls; iOS fires none.
    if (motion === "waiting") setMotion("missing");
    return;
  }
  if (motion !== "on") setMotion("on");
  // The server drops a sample whose device time does not increase, remembering the last one per player across
  // reloads; an event without a usable timeStamp (some synthetic or polyfilled events) gets the page clock instead.
  let time = performance.timeOrigin + e.timeStamp + clockShift;
  if (!(time > lastT)) time = deviceNow();
  if (!(time > lastT)) time = lastT + 1;
  lastT = time;
  energy = Math.max(energy * 0.9, Math.min(1, Math.max(0, Math.hypot(a.x, a.y, a.z) - GRAVITY) / 30));
  if (!collecting()) return;
  samples.push({ t: time, x: a.x, y: a.y, z: a.z });
  if (samples.length === 1) showPending();
}

function setMotion(state) {
  motion = state;
  // On an insecure page most browsers keep the sensor off, but not all: warn, and still let the player try.
  const ask = window.isSecureContext ? "motion.ask" : "motion.insecure";
  const message = { off: ask, insecure: "motion.insecure", missing: "motion.missing", denied: "motion.denied" }[state];
  $("motion-text").textContent = message ? t(message) : "";
  $("motion").hidden = state !== "off";
  $("motion-card").hidden = !message;
  $("motion-card").dataset.state = state;
}

async function enableMotion() {
  if (typeof DeviceMotionEvent === "undefined") { setMotion(window.isSecureContext ? "missing" : "insecure"); return; }
  // iOS asks once, and only from a tap; everywhere else the listener alone is enough.
  if (typeof DeviceMotionEvent.requestPermission === "function") {
    try {
      if (await DeviceMotionEvent.requestPermission() !== "granted") { setMotion("denied"); return; }
    } catch {
      setMotion(window.isSecureContext ? "denied" : "insecure");
      return;
    }
  }
  listen();
}

// After a reload (a finished game, a phone that locked) the page asks for the tap again only when it must: without
// iOS's permission API the listener needs none, and iOS answers a site it already allowed without one (outside a
// tap it refuses to ask, and the button stays).
async function resumeMotion() {
  if (typeof DeviceMotionEvent === "undefined") return;
  if (typeof DeviceMotionEvent.requestPermission === "function") {
    try {
      if (await DeviceMotionEvent.requestPermission() !== "granted") return;
    } catch {
      return;
    }
  }
  listen();
}

function listen() {
  if (motion === "waiting" || motion === "on") return;
  window.addEventListener("devicemotion", onMotion);
  setMotion("waiting");
  // No reading within a few seconds means no sensor (or one the browser keeps off on an insecure page).
  setTimeout(() => { if (motion === "waiting") setMotion(window.isSecureContext ? "missing" : "insecure"); }, 3000);
}

// ---- sending ----

// Batches not yet acknowledged, counting the one being filled: 0 means everything shaken so far is durable.
function showPending() { $("pending").textContent = unacked.size + (samples.length ? 1 : 0); }

async function send(batch) {
  inFlight.add(batch.seq);
  try {
    const ack = await phone.invoke("SendMotion", batch);
    // While the phone sends, its standing rides on the acks instead of coming as a push of its own.
    if (ack.standing) draw(ack.standing);
    if (ack.accepted && unacked.delete(batch.seq)) { sent++; $("sent").textContent = sent; showPending(); }
  } catch { /* stays unacknowledged; resent on a later tick */ }
  finally { inFlight.delete(batch.seq); }
}

function flush() {
  if (!collecting()) samples = [];
  // A batch every 100 ms while the last one is acknowledged; while it is not, samples wait and go in the next,
  // bigger batch: under load a hall of phones sends fewer messages, never fewer samples.
  const waiting = inFlight.size > 0 && phone?.state === "Connected";
  while (samples.length && (!waiting || samples.length >= MAX_SAMPLES_PER_BATCH)) {
    const batch = { gameId: player.gameId, playerId: player.playerId, seq: ++seq, samples: samples.splice(0, MAX_SAMPLES_PER_BATCH) };
    unacked.set(batch.seq, batch);
    $("last-seq").textContent = batch.seq;
  }
  // The seq must keep rising across a reload, or the server would take new batches for replays.
  if (seq !== savedSeq) { localStorage.setItem(storageKey(player.gameId), JSON.stringify({ ...player, seq, t: lastT })); savedSeq = seq; }
  showPending();
  if (phone?.state !== "Connected") return;
  for (const batch of unacked.values()) if (!inFlight.has(batch.seq)) send(batch);
}

// ---- the phone's own standing: on connect and whenever it changes, pushed or inside an ack ----

function draw(next) {
  frame = next;
  clockOffset = Number(next.serverTime) - Date.now();
  const phase = phaseOf(next);
  if (phase !== lastPhase) onPhaseChange(lastPhase, phase);
  lastPhase = phase;
  const score = Number(next.score);
  // A rank means something only once there are points: before that everyone shares the first place.
  $("my-rank").textContent = score > 0 ? `#${next.rank} / ${next.players}` : "–";
  $("my-score").textContent = numbers.format(score);
  $("team-score").textContent = player.team ? numbers.format(next.teamScore) : "–";
  if (next.hall) {
    $("spot").hidden = false;
    $("spot-text").textContent = drawSpot($("spot-map"), next.hall, player.team);
  }
  render();
}

function onPhaseChange(from, to) {
  // Vibration is allowed only after the user has touched the page (Chrome blocks it and says so otherwise).
  const canVibrate = "vibrate" in navigator && (navigator.userActivation?.hasBeenActive ?? true);
  if (to === "running" && from !== null && canVibrate) navigator.vibrate(300);
  if (to === "finished" && from === "running" && canVibrate) navigator.vibrate([120, 80, 120, 80, 400]);
  if (to === "countdown" || to === "running") keepAwake(); else letSleep();
  // A screen reader hears the scores once the round is over, not every change while it runs.
  $("scores").setAttribute("aria-busy", String(to === "running"));
  if (from !== null) {
    if (to === "countdown") $("announce").textContent = t("say.countdown");
    if (to === "running") $("announce").textContent = t("say.running");
  }
}

function render() {
  const phase = phaseOf(frame);
  const now = Date.now() + clockOffset;
  const startsAt = Number(frame?.roundStartsAt ?? 0), endsAt = Number(frame?.roundEndsAt ?? 0);
  let state = phase === "none" ? "connecting" : phase, big = "", small = "";
  if (phase === "countdown" && now < startsAt) {
    big = String(Math.ceil((startsAt - now) / 1000));
    small = t("state.countdown.small");
  } else if ((phase === "countdown" || phase === "running") && now < endsAt) {
    state = "running";
    big = t("state.running");
    small = t("state.running.small", { time: formatClock(endsAt - now) });
  } else if (phase === "finished" || phase === "running") {
    state = "finished";
    big = t("state.finished");
    small = Number(frame.score) > 0 ? t("state.finished.ranked", { rank: frame.rank, score: numbers.format(frame.score) }) : t("state.finished.plain");
    if ($("announce").textContent !== `${big} ${small}`) $("announce").textContent = `${big} ${small}`;
  } else if (phase === "lobby") {
    big = t("state.lobby");
    small = t("state.lobby.small");
  } else {
    big = t("state.connecting");
  }
  const status = $("status");
  if (status.dataset.state !== state || $("status-big").textContent !== big) {
    status.dataset.state = state;
    // A fresh element restarts the zoom of each countdown number.
    const fresh = $("status-big").cloneNode(false);
    fresh.textContent = big;
    $("status-big").replaceWith(fresh);
  }
  $("status-small").textContent = small;
  energy *= 0.92;
  $("meter").style.width = `${Math.round(energy * 100)}%`;
}

// ---- screen wake lock: a phone that dims mid-round stops sending ----

async function keepAwake() {
  if (wakeLock || !("wakeLock" in navigator) || document.visibilityState !== "visible") return;
  try {
    wakeLock = await navigator.wakeLock.request("screen");
    wakeLock.addEventListener("release", () => { wakeLock = null; });
  } catch { /* refused (battery saver, insecure page): the round still works */ }
}

function letSleep() { wakeLock?.release(); wakeLock = null; }

document.addEventListener("visibilitychange", () => {
  // The browser drops the lock when the page is hidden; take it again on return if a round is on.
  if (document.visibilityState === "visible" && ["countdown", "running"].includes(phaseOf(frame))) keepAwake();
});

// ---- connections ----

async function connect() {
  // Unacknowledged batches go out again on the next tick once the connection is back.
  phone = connectHub(`/hubs/phone?access_token=${encodeURIComponent(player.token)}`);
  // The server sends the phone's standing as soon as it connects (and reconnects), then on every change.
  phone.on("Standing", (standing) => draw(standing));
  // A refusal while the server is up means it no longer knows this player's token: play() joins again.
  await startHub(phone, { refusalIsFinal: true });
}

function showPlaying() {
  document.body.dataset.view = "play";
  $("join-form").hidden = true;
  $("playing").hidden = false;
  $("playing").dataset.playerId = player.playerId;
  $("hello").textContent = t("hello", { name: player.nickname });
  $("my-team").replaceChildren(...(player.team ? [markElement(player.team), player.team] : []));
  if (player.team) {
    $("my-team").style.setProperty("--team-color", teamStyle(player.team).color);
    $("my-team").style.setProperty("--team-ink", teamStyle(player.team).ink);
  }
  $("team-score").parentElement.hidden = !player.team;
  setMotion("off");
  render();
}

async function play(joined, resumed = false) {
  player = joined;
  seq = savedSeq = joined.seq ?? 0;
  lastT = joined.t ?? -Infinity;
  clockShift = Math.max(0, lastT + 1 - deviceNow());
  showPlaying();
  if (resumed) resumeMotion();
  try {
    await connect();
  } catch {
    // The server no longer knows this player (a new data directory): join again.
    localStorage.removeItem(storageKey(player.gameId));
    location.reload();
    return;
  }
  setInterval(flush, 100);
  setInterval(render, 200);
}

$("join-form").onsubmit = async (e) => {
  e.preventDefault();
  const code = $("game").value.trim().toUpperCase();
  $("join").disabled = true;
  $("join-error").hidden = true;
  try {
    const r = await fetch(`/api/games/${encodeURIComponent(code)}/players`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ nickname: $("nickname").value.trim(), team: $("team").value.trim() }),
    });
    if (!r.ok) throw new Error((await r.json().catch(() => ({}))).detail || r.statusText);
    const joined = await r.json();
    localStorage.setItem(storageKey(joined.gameId), JSON.stringify({ ...joined, seq: 0 }));
    history.replaceState(null, "", playUrl(joined.gameId));
    await play(joined);
  } catch (error) {
    $("join-error").textContent = t("join.failed", { reason: error.message });
    $("join-error").hidden = false;
  } finally {
    $("join").disabled = false;
  }
};

$("motion").onclick = () => { enableMotion(); keepAwakeIfPlaying(); };
function keepAwakeIfPlaying() { if (["countdown", "running"].includes(phaseOf(frame))) keepAwake(); }

$("leave").onclick = () => {
  if (player) localStorage.removeItem(storageKey(player.gameId));
  location.href = playUrl(player?.gameId ?? "");
};

// A reload (or a phone that locked and came back) continues as the same player.
const saved = params.get("game") && localStorage.getItem(storageKey(params.get("game").toUpperCase()));
if (saved) play(JSON.parse(saved), true);
