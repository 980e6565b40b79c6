// The presenter display: creates or watches a game and draws the frames the server pushes. Frames are whole
// snapshots (never deltas), so drawing is idempotent; the clock and the countdown run locally between frames.
import { $, banner, connectHub, formatClock, localize, numbers, phaseOf, startHub } from "/shared/game.js";
import { createHall } from "/presenter/hall.js";
import { markElement, teamStyle } from "/shared/palette.js";

const t = localize({
  en: {
    "phase.none": "No game", "phase.lobby": "Lobby", "phase.countdown": "Get ready", "phase.running": "Shake!", "phase.finished": "Finished",
    "players": "players", "players.one": "player", "join.scan": "Scan to join", "join.or": "or open", "join.code": "and enter the code",
    "control.create": "New game", "control.start": "Start round", "control.stop": "Stop",
    "control.needsKey": "To host, open this page with ?key= and the presenter key the server printed.", "control.createHint": "Press “New game” to begin.",
    "leaders.title": "Leaderboard", "leaders.empty": "Waiting for players — scan the code!",
    "teams.title": "Team race", "teams.empty": "No teams yet: type a team name when you join.", "teams.members": "{n} players", "teams.members.one": "1 player",
    "chart.title": "Shakes per second", "podium.title": "Winners", "go": "GO!", "results.csv": "Download CSV",
    "error.key": "The server refused the presenter key.",
    "error.noGame": "No game has the code {code}.",
    "join.localOnly": "Phones cannot open this address. Restart the server with --urls http://0.0.0.0:5000, or set Game:PublicUrl to an address phones reach.",
  },
  ja: {
    "phase.none": "ゲームなし", "phase.lobby": "受付中", "phase.countdown": "まもなく開始", "phase.running": "振って！", "phase.finished": "終了",
    "players": "人が参加中", "players.one": "人が参加中", "join.scan": "QRコードで参加", "join.or": "またはこちらを開く", "join.code": "コードを入力",
    "control.create": "新しいゲーム", "control.start": "ラウンド開始", "control.stop": "ストップ",
    "control.needsKey": "ゲームを始めるには、サーバーが表示したプレゼンターキーを ?key= に付けて開いてください。", "control.createHint": "「新しいゲーム」を押して始めましょう。",
    "leaders.title": "ランキング", "leaders.empty": "参加者を待っています — QRコードを読み取ってください！",
    "teams.title": "チーム対抗", "teams.empty": "チームはまだありません。参加するときにチーム名を入力してください。", "teams.members": "{n}人", "teams.members.one": "1人",
    "chart.title": "毎秒のシェイク数", "podium.title": "表彰台", "go": "スタート！", "results.csv": "CSVをダウンロード",
    "error.key": "プレゼンターキーが拒否されました。",
    "error.noGame": "コード {code} のゲームはありません。",
    "join.localOnly": "スマホからはこのアドレスを開けません。--urls http://0.0.0.0:5000 でサーバーを起動し直すか、Game:PublicUrl にスマホから届くアドレスを設定してください。",
  },
});
const CHART_SECONDS = 60;

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

async function api(path) {
  const response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` }, body: "{}" });
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
  frame = next;
  frameArrivedAt = Date.now();
  clockOffset = next.serverTime - frameArrivedAt;
  const phase = phaseOf(next);
  document.body.dataset.phase = phase;
  $("status").dataset.phase = phase;
  $("status").textContent = t(`phase.${phase}`);
  $("player-count").textContent = numbers.format(next.playerCount);
  $("player-label").textContent = t(next.playerCount === 1 ? "players.one" : "players");
  $("start").disabled = !key || phase === "countdown" || phase === "running";
  $("stop").disabled = !key || !(phase === "countdown" || phase === "running");
  drawLeaders(next.leaders);
  drawTeams(next.teams);
  drawPodium(phase === "finished" ? next.leaders : []);
  // The whole standings, teams included, for whoever keeps the score after the show (UTF-8 with BOM for Excel).
  $("download-csv").hidden = phase !== "finished";
  tick();
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
  const winners = leaders.slice(0, 3).filter((p) => Number(p.score) > 0);
  $("podium").hidden = winners.length === 0;
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
  // After a reconnect the display asks for the whole picture again: frames pushed meanwhile are lost.
  const hub = connectHub("/hubs/presenter", { onReconnected: async () => draw(await hub.invoke("Watch", id, false), true) });
  connection = hub;
  hub.on("Frame", (f) => draw(f));
  await startHub(hub);
  try {
    draw(await hub.invoke("Watch", id, false), true);
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
  if ((e.key === "h" || e.key === "H") && !e.ctrlKey && !e.metaKey && !e.altKey) setView(view === "hall" ? "board" : "hall");
});
setView(view);

// api() has already put any failure in the banner; there is nothing more to do with it here.
const quietly = (promise) => promise.catch(() => {});
$("create").onclick = () => quietly(api("/api/games").then((created) => watch(created.gameId)));
$("start").onclick = () => quietly(api(`/api/games/${gameId}/start`));
$("stop").onclick = () => quietly(api(`/api/games/${gameId}/stop`));
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
