// Longer than our usual 300 lines: one page's script, read top to bottom in the order a frame takes (draw, clock,
// what a reload shows, the game's connection, results, host controls); its words are in strings.js, the hall in hall.js.
// The presenter display: creates or watches a game and draws the frames the server pushes. Frames are whole
// snapshots (never deltas), so drawing is idempotent; the clock and the countdown run locally between frames.
// The last frame and the chart are kept in sessionStorage: a reloaded display draws them at once (marked as not
// live) instead of an empty "no game" screen, until the hub's snapshot, which carries the chart's last minute.
import { $, banner, colorOf, connectHub, formatClock, numbers, phaseOf, startHub } from "/shared/game.js";
import { createHall } from "/presenter/hall.js";
import { markElement, teamStyle } from "/shared/palette.js";
import { t } from "/presenter/strings.js";

const CHART_SECONDS = 60;
const CHART_STEP_MS = 500;
const RESULTS_SHOWN = 30;

const params = new URLSearchParams(location.search);
if (params.get("key")) {
  localStorage.setItem("presenterKey", params.get("key"));
  // Keep the key out of the address bar, where the audience can read it off the projector.
  params.delete("key");
  history.replaceState(null, "", location.pathname + (params.size ? `?${params}` : ""));
}
const key = localStorage.getItem("presenterKey") || "";

let gameId = params.get("game")?.toUpperCase() || null;
// The hall view (every player a dot) replaces the three panels: ?view=hall, or the H key to switch.
let view = params.get("view") === "hall" ? "hall" : "board";
const hall = createHall($("hall-canvas"));
let connection = null;
let frame = null;
let lastVersion = 0;
let clockOffset = 0; // server clock minus ours, from the newest frame
let frameArrivedAt = 0;
let countdownShown = null;
const rows = new Map();
const lanes = new Map();
const chartValues = new Array(CHART_SECONDS * 2).fill(0); // one value every 500 ms

const serverNow = () => Date.now() + clockOffset;

async function api(path, body = {}) {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` }, body: JSON.stringify(body) });
  if (response.status === 401) { banner(t("error.key")); throw new Error("presenter key refused"); }
  if (!response.ok) { const problem = await response.json().catch(() => ({})); banner(problem.detail || response.statusText); throw new Error(problem.detail); }
  banner(null);
  return response.json();
}

// ---- drawing a frame ----

function draw(next, snapshot = false) {
  // A snapshot restarts the sequence (a reactivated game counts from 1 again); a pushed frame older than what we drew is late.
  if (!snapshot && next.version <= lastVersion) return;
  lastVersion = next.version;
  const before = phaseOf(frame);
  frame = next;
  frameArrivedAt = Date.now();
  clockOffset = next.serverTime - frameArrivedAt;
  $("stale").hidden = true;
  if (next.history?.length) restoreChart(next.history);
  const phase = phaseOf(next);
  drawPhase(phase, before);
  $("status").dataset.phase = phase;
  $("status").textContent = t(`phase.${phase}`);
  $("player-count").textContent = numbers.format(next.playerCount);
  $("player-label").textContent = t(next.playerCount === 1 ? "players.one" : "players");
  drawLeaders(next.leaders);
  drawTeams(next.teams);
  drawPodium(phase === "finished" ? next.leaders : []);
  // The whole standings, teams included, for whoever keeps the score after the show (UTF-8 with BOM for Excel).
  $("download-csv").hidden = phase !== "finished";
  tick();
}

const isLive = (phase) => phase === "countdown" || phase === "running";
const perRound = (f) => f?.scoring === "PerRound" || f?.scoring === 1;

function drawPhase(phase, before) {
  document.body.dataset.phase = phase;
  // Each round starts with the host's controls tucked away again, and without the last round's results on top.
  if (isLive(phase) && !isLive(before)) { openControls(false); showResults(false); }
  const round = Number(frame?.round ?? 0);
  $("round-number").hidden = round === 0;
  $("round-number").textContent = t("round", { n: round });
  $("scoring").hidden = !frame;
  $("scoring").textContent = t(perRound(frame) ? "scoring.perRound" : "scoring.runningTotal");
  $("scoring").dataset.scoring = perRound(frame) ? "perRound" : "runningTotal";
  $("start").disabled = !key || isLive(phase);
  $("stop").disabled = !key || !isLive(phase);
  $("scoring-toggle").disabled = !key || !frame;
  $("scoring-toggle").textContent = t(perRound(frame) ? "control.scoring.perRound" : "control.scoring.runningTotal");
  $("reset").disabled = !key || !frame || isLive(phase);
  $("show-results").disabled = !key || phase !== "finished";
}

function drawLeaders(leaders) {
  const top = Math.max(1, ...leaders.map((p) => Number(p.score)));
  const seen = new Set();
  leaders.forEach((p, index) => {
    seen.add(p.playerId);
    let row = rows.get(p.playerId);
    if (!row) {
      row = document.createElement("li");
      row.className = "leader";
      row.dataset.testid = "leader";
      row.dataset.player = p.playerId;
      row.innerHTML = `<span class="bar"></span><span class="rank"></span><span class="name" data-testid="leader-name"></span><span class="team" data-testid="leader-team"></span><span class="score" data-testid="leader-score"></span>`;
      row.querySelector(".name").textContent = p.nickname;
      row.querySelector(".team").append(markElement(p.team), p.team);
      row.style.setProperty("--team-color", teamStyle(p.team).color);
      row.style.setProperty("--team-ink", teamStyle(p.team).ink);
      row.style.setProperty("--y", index);
      $("leaders").append(row);
      rows.set(p.playerId, row);
    }
    row.style.setProperty("--y", index);
    row.style.setProperty("--bar", Number(p.score) / top);
    row.querySelector(".rank").textContent = index + 1;
    // Medals only for points: before the first shake the order is alphabetical and means nothing.
    row.querySelector(".rank").dataset.rank = Number(p.score) > 0 ? index + 1 : 0;
    row.querySelector(".score").textContent = numbers.format(p.score);
  });
  for (const [id, row] of rows) if (!seen.has(id)) { row.remove(); rows.delete(id); }
  // The rows share the panel's height: ten rows for ten players, and fewer players get taller rows (at most a fifth each,
  // so three players are not three giant bars).
  $("leaders").style.setProperty("--rows", Math.min(10, Math.max(5, leaders.length)));
  // The empty list gives its space to the line that says why it is empty.
  $("leaders").hidden = leaders.length === 0;
  $("leaders-empty").hidden = leaders.length > 0;
}

function drawTeams(teams) {
  const shown = teams.slice(0, 6);
  const top = Math.max(1, ...shown.map((team) => Number(team.score)));
  const list = $("teams");
  shown.forEach((team, index) => {
    let lane = lanes.get(team.team);
    if (!lane) {
      lane = document.createElement("li");
      lane.className = "lane";
      lane.dataset.testid = "team";
      lane.innerHTML = `<div class="label"><span class="name" data-testid="team-name"></span><span class="members"></span><span class="total" data-testid="team-score"></span></div><div class="track"><div class="fill"></div></div>`;
      lane.querySelector(".name").append(markElement(team.team), team.team);
      lane.style.setProperty("--team-color", teamStyle(team.team).color);
      lanes.set(team.team, lane);
    }
    lane.dataset.rank = Number(team.score) > 0 ? index + 1 : 0;
    lane.style.setProperty("--bar", Number(team.score) / top);
    lane.querySelector(".members").textContent = t(team.players === 1 ? "teams.members.one" : "teams.members", { n: team.players });
    lane.querySelector(".total").textContent = numbers.format(team.score);
    if (list.children[index] !== lane) list.insertBefore(lane, list.children[index] ?? null);
  });
  const keep = new Set(shown.map((team) => team.team));
  for (const [name, lane] of lanes) if (!keep.has(name)) { lane.remove(); lanes.delete(name); }
  $("teams-empty").hidden = shown.length > 0;
}

let podiumKey = "";
function drawPodium(leaders) {
  const round = Number(frame?.round ?? 0);
  // A round in which nobody shook has its own, empty result: never the podium of the round before (running totals
  // do not move then). roundPoints is -1 when the server does not know (after a reset, or a restart mid-game).
  const nobodyShook = leaders.length > 0 && Number(frame?.roundPoints ?? -1) === 0;
  const winners = nobodyShook ? [] : leaders.slice(0, 3).filter((p) => Number(p.score) > 0);
  $("round-empty").hidden = !nobodyShook;
  $("round-empty").textContent = t("round.empty", { n: round });
  $("podium").hidden = winners.length === 0;
  $("podium").querySelector("h2").textContent = t(!perRound(frame) && round > 1 ? "podium.total" : "podium.round", { n: round });
  const keyNow = winners.map((p) => `${p.playerId}:${p.score}`).join("|");
  if (keyNow === podiumKey) return; // redrawing would replay the rise animation on every frame
  podiumKey = keyNow;
  const steps = $("podium").querySelector(".steps");
  steps.replaceChildren(...[1, 0, 2].map((place) => {
    const step = document.createElement("div");
    step.className = "step";
    step.dataset.place = place + 1;
    const p = winners[place];
    if (p) {
      step.dataset.testid = "podium-step";
      step.innerHTML = `<span class="who"></span><span class="pts"></span><div class="block"></div>`;
      step.querySelector(".who").textContent = p.nickname;
      step.querySelector(".pts").textContent = numbers.format(p.score);
      step.querySelector(".block").textContent = place + 1;
    }
    return step;
  }));
}

// ---- the clock: countdown, round timer, chart; runs between frames ----

function overlay(text, go = false) {
  const element = $("overlay");
  if (text == null) { element.hidden = true; countdownShown = null; return; }
  element.hidden = false;
  element.classList.toggle("go", go);
  if (countdownShown !== text) {
    // A fresh span restarts the zoom animation for each number.
    const span = document.createElement("span");
    span.id = "overlay-text";
    span.textContent = text;
    element.replaceChildren(span);
    countdownShown = text;
  }
}

function tick() {
  const phase = phaseOf(frame);
  const now = serverNow();
  const startsAt = Number(frame?.roundStartsAt ?? 0);
  const endsAt = Number(frame?.roundEndsAt ?? 0);
  const timer = $("timer");
  let progress = 0;
  if (phase === "countdown" && now < startsAt) {
    overlay(String(Math.ceil((startsAt - now) / 1000)));
    timer.textContent = formatClock(endsAt - startsAt);
  } else if ((phase === "countdown" || phase === "running") && now < endsAt) {
    // The frame saying "running" may trail the clock by a tick; GO! shows for the first second either way.
    overlay(now - startsAt < 1000 ? t("go") : null, true);
    timer.textContent = formatClock(endsAt - now);
    timer.classList.toggle("ending", endsAt - now <= 5000);
    progress = (now - startsAt) / Math.max(1, endsAt - startsAt);
  } else {
    overlay(null);
    timer.classList.remove("ending");
    timer.textContent = phase === "finished" ? "0:00" : "–:––";
    progress = phase === "finished" ? 1 : 0;
  }
  $("progress").firstElementChild.style.width = `${Math.min(1, Math.max(0, progress)) * 100}%`;
}

function sampleChart() {
  // No frame for a while means nothing counted: the server only pushes when something changed.
  const live = frame && Date.now() - frameArrivedAt < 1500 ? Number(frame.samplesPerSecond) : 0;
  chartValues.push(live);
  chartValues.shift();
  $("sps").textContent = numbers.format(live);
  drawChart();
  remember();
}

/** The chart's last minute from a snapshot's points (server time): each 500 ms step takes the point that falls in it. */
function restoreChart(history) {
  const now = serverNow();
  const values = new Array(chartValues.length).fill(0);
  for (const point of history) {
    const step = values.length - 1 - Math.floor((now - Number(point.t)) / CHART_STEP_MS);
    if (step >= 0 && step < values.length) values[step] = Math.max(values[step], Number(point.v));
  }
  chartValues.splice(0, chartValues.length, ...values);
  drawChart();
}

// ---- what a reload shows at once ----

const memoryKey = (id) => `presenter.last.${id}`;

/** Keeps the last frame, the clock offset and the chart for this tab (sessionStorage: a reload, not a new tab). */
function remember() {
  if (!gameId || !frame || frame.gameId?.toUpperCase() !== gameId) return;
  try {
    sessionStorage.setItem(memoryKey(gameId), JSON.stringify({ frame: { ...frame, history: [] }, clockOffset, chart: chartValues, savedAt: Date.now() }));
  } catch { /* storage full or denied: a reload then waits for the snapshot, as before */ }
}

/** Draws what this tab last knew of the game, marked as not live; false when it knows nothing. */
function recall(id) {
  let saved = null;
  try { saved = JSON.parse(sessionStorage.getItem(memoryKey(id)) ?? "null"); } catch { saved = null; }
  if (!saved?.frame) return false;
  // The chart moved on while the page was away: shift it by the steps that passed, with nothing counted in them.
  const missed = Math.min(chartValues.length, Math.max(0, Math.floor((Date.now() - saved.savedAt) / CHART_STEP_MS)));
  const values = [...saved.chart.slice(missed), ...new Array(missed).fill(0)];
  chartValues.splice(0, chartValues.length, ...values.slice(-chartValues.length));
  draw(saved.frame, true);
  clockOffset = saved.clockOffset;
  frameArrivedAt = 0; // the live number waits for a real frame
  $("stale").hidden = false;
  drawChart();
  tick();
  return true;
}

function drawChart() {
  const canvas = $("chart");
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== width * ratio || canvas.height !== height * ratio) { canvas.width = width * ratio; canvas.height = height * ratio; }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const values = chartValues;
  // The highest value drawn, for the tests (a canvas has no text to read).
  canvas.dataset.peak = String(Math.max(...values));
  const top = Math.max(10, ...values) * 1.15;
  const x = (i) => (i / (values.length - 1)) * width;
  const y = (v) => height - 4 - (v / top) * (height - 12);
  g.strokeStyle = "#262f57";
  g.lineWidth = 1;
  for (let line = 1; line <= 3; line++) { g.beginPath(); g.moveTo(0, (height * line) / 4); g.lineTo(width, (height * line) / 4); g.stroke(); }
  g.beginPath();
  values.forEach((v, i) => (i ? g.lineTo(x(i), y(v)) : g.moveTo(x(i), y(v))));
  const fill = g.createLinearGradient(0, 0, 0, height);
  fill.addColorStop(0, "rgba(255, 77, 141, .55)");
  fill.addColorStop(1, "rgba(255, 77, 141, 0)");
  g.lineTo(width, height);
  g.lineTo(0, height);
  g.closePath();
  g.fillStyle = fill;
  g.fill();
  g.beginPath();
  values.forEach((v, i) => (i ? g.lineTo(x(i), y(v)) : g.moveTo(x(i), y(v))));
  g.strokeStyle = "#ffb347";
  g.lineWidth = 4;
  g.lineJoin = "round";
  g.stroke();
}

// ---- the game ----

async function watch(id) {
  gameId = id;
  lastVersion = 0;
  showResults(false);
  $("results-csv").href = `/api/games/${encodeURIComponent(id)}/results.csv`;
  if (!recall(id)) {
    // Not "no game": the game is there, the connection is not yet.
    $("status").textContent = t("phase.connecting");
    $("status").dataset.phase = "connecting";
    $("player-count").textContent = "–";
  }
  $("code").textContent = id;
  $("join-url").textContent = "…";
  $("download-csv").href = `/api/games/${encodeURIComponent(id)}/results.csv`;
  $("join-notice").hidden = true;
  // An unknown code has no QR code: an empty white square would invite people to scan it.
  $("qr").onerror = () => { $("qr-box").hidden = true; };
  $("qr").src = `/api/games/${encodeURIComponent(id)}/qr.svg`;
  $("qr").hidden = false;
  $("qr-box").hidden = false;
  // The server knows which of its addresses phones can reach (never localhost when it has a better one).
  fetch(`/api/games/${encodeURIComponent(id)}/join-link`).then((r) => (r.ok ? r.json() : null)).then((link) => {
    if (!link || gameId !== id) return;
    $("join-url").textContent = link.shownUrl;
    $("qr").alt = link.joinUrl;
    $("join-notice").hidden = link.reachable;
  }).catch(() => {});
  $("leaders-empty").textContent = t("leaders.empty");
  history.replaceState(null, "", viewUrl(id));
  if (connection) await connection.stop();
  // The hub joins the game's frames before it takes the snapshot, so a frame may arrive before the answer: counting
  // restarts here (a reactivated game counts from 1 again), and the snapshot is drawn unless a newer frame already was.
  const snapshot = async () => {
    lastVersion = 0;
    const whole = await hub.invoke("Watch", id, false);
    if (whole.version > lastVersion) draw(whole, true);
    else if (whole.history?.length) restoreChart(whole.history);
  };
  // After a reconnect the display asks for the whole picture again: frames pushed meanwhile are lost.
  const hub = connectHub("/hubs/presenter", { onReconnected: snapshot });
  connection = hub;
  hub.on("Frame", (f) => draw(f));
  await startHub(hub);
  try {
    await snapshot();
    if (view === "hall") hall.show(hub, id);
  } catch {
    banner(t("error.noGame", { code: id }));
  }
}

const viewUrl = (id) => `/?game=${encodeURIComponent(id)}${view === "hall" ? "&view=hall" : ""}`;

function setView(next) {
  view = next;
  document.body.dataset.view = view;
  $("hall").hidden = view !== "hall";
  if (!gameId) return;
  history.replaceState(null, "", viewUrl(gameId));
  if (view === "hall" && connection?.state === "Connected") hall.show(connection, gameId);
  else hall.hide();
}

addEventListener("keydown", (e) => {
  if ((e.key === "v" || e.key === "V") && !e.ctrlKey && !e.metaKey && !e.altKey) setView(view === "hall" ? "board" : "hall");
});
setView(view);

// ---- the results screen ----

let resultsRequest = 0;
async function showResults(open) {
  document.body.classList.toggle("results-open", open);
  $("results").hidden = !open;
  $("close-results").hidden = !key;
  if (!open || !gameId) return;
  const request = ++resultsRequest;
  const response = await fetch(`/api/games/${encodeURIComponent(gameId)}/results`);
  if (!response.ok || request !== resultsRequest) return;
  drawResults(await response.json());
}

function drawResults(results) {
  const round = Number(results.round);
  $("results-title").textContent = t(perRound(frame) || round <= 1 ? "results.title" : "results.titleTotal", { n: round });
  $("results-players").replaceChildren(...results.players.slice(0, RESULTS_SHOWN).map((p) => standingRow(p.rank, p.nickname, p.team, p.score, "result-player")));
  // Rows share the panel: 8 rows at least (a few players are not giant bars), 15 at most (then a second column).
  $("results-players").style.setProperty("--rows", Math.min(15, Math.max(8, results.players.length)));
  $("results-teams").style.setProperty("--rows", Math.min(15, Math.max(8, results.teams.length)));
  const more = results.players.length - RESULTS_SHOWN;
  $("results-more").hidden = more <= 0;
  $("results-more").textContent = t("results.more", { n: numbers.format(more) });
  $("results-teams").replaceChildren(...results.teams.map((team) =>
    standingRow(team.rank, team.team, t(team.players === 1 ? "teams.members.one" : "teams.members", { n: team.players }), team.score, "result-team", team.team)));
  $("results-no-teams").hidden = results.teams.length > 0;
}

function standingRow(rank, name, detail, score, testid, team = detail) {
  const row = document.createElement("li");
  row.dataset.testid = testid;
  row.dataset.rank = rank;
  row.style.setProperty("--team-color", colorOf(testid === "result-team" ? team : detail));
  row.innerHTML = `<span class="rank"></span><span class="name"></span><span class="detail"></span><span class="score"></span>`;
  row.querySelector(".rank").textContent = rank;
  row.querySelector(".name").textContent = name;
  row.querySelector(".detail").textContent = detail;
  row.querySelector(".score").textContent = numbers.format(score);
  return row;
}

// ---- the host's controls ----

function openControls(open) {
  document.body.classList.toggle("controls-open", open);
  $("host-toggle").setAttribute("aria-expanded", String(open));
}

let resetArmed = null;
function reset() {
  // Two presses: one stray click must not wipe a hall's scores.
  if (!resetArmed) {
    $("reset").textContent = t("control.resetConfirm");
    resetArmed = setTimeout(() => { resetArmed = null; $("reset").textContent = t("control.reset"); }, 4000);
    return;
  }
  clearTimeout(resetArmed);
  resetArmed = null;
  $("reset").textContent = t("control.reset");
  quietly(api(`/api/games/${gameId}/reset`));
}

// api() has already put any failure in the banner; there is nothing more to do with it here.
const quietly = (promise) => promise.catch(() => {});
$("create").onclick = () => quietly(api("/api/games").then((created) => watch(created.gameId)));
$("start").onclick = () => quietly(api(`/api/games/${gameId}/start`));
$("stop").onclick = () => quietly(api(`/api/games/${gameId}/stop`));
$("scoring-toggle").onclick = () => quietly(api(`/api/games/${gameId}/settings`, { scoring: perRound(frame) ? "runningTotal" : "perRound" }));
$("reset").onclick = reset;
$("show-results").onclick = () => showResults(true);
$("close-results").onclick = () => showResults(false);
$("host-toggle").onclick = () => openControls(!document.body.classList.contains("controls-open"));
$("host-toggle").title = t("control.toggle");
$("host-toggle").setAttribute("aria-label", t("control.toggle"));
$("host-toggle").hidden = !key;
// H for the host's controls, R for the results, Escape back: a presenter with a clicker or a keyboard needs no mouse.
addEventListener("keydown", (event) => {
  if (!key || event.ctrlKey || event.metaKey || event.altKey || event.target.closest?.("input, textarea")) return;
  if (event.key === "h" || event.key === "H") openControls(!document.body.classList.contains("controls-open"));
  else if ((event.key === "r" || event.key === "R") && phaseOf(frame) === "finished") showResults(true);
  else if (event.key === "Escape") showResults(false);
});
addEventListener("pagehide", remember);
// Without the key this is a viewer (a second screen, a stream): no host buttons at all.
document.querySelector(".controls").hidden = !key;
$("qr-box").hidden = !gameId;
if (!gameId) $("leaders-empty").textContent = t(key ? "control.createHint" : "control.needsKey");
$("player-label").textContent = t("players");

// One layout at 1920×1080, scaled and letterboxed: a 1280×800 projector shows the same picture, smaller.
function fit() {
  const scale = Math.min(innerWidth / 1920, innerHeight / 1080);
  document.body.style.transform = scale === 1 ? "" : `translate(${(innerWidth - 1920 * scale) / 2}px, ${(innerHeight - 1080 * scale) / 2}px) scale(${scale})`;
}
addEventListener("resize", fit);
fit();

setInterval(tick, 100);
setInterval(sampleChart, 500);
drawChart();
if (gameId) watch(gameId);
