// The hall view: every player of the game as a dot that grows and glows with its score, clustered by team, drawn on
// one canvas at the display's frame rate. The server sends a full hall frame when the view opens and then only the
// players whose score moved (HallFrame in Game.Functions/Contracts/Frames/HallFrames.cs): ids are small integers in
// join order, a dot's place follows from its group and slot (shared/hall-layout.js, which the phones use too).
import { lang, numbers } from "/shared/game.js";
import { clusterCells, dotOffset, spacingFor } from "/shared/hall-layout.js";
import { teamStyle, traceMark } from "/shared/palette.js";

const TEXT = {
  en: { empty: "Waiting for players — every phone becomes a dot here.", noTeam: "No team", label: "The hall: {players} players in {groups} groups. Leading group: {leader}.", players: "{n} players" },
  ja: { empty: "参加者を待っています — スマホ1台ごとに点がひとつ表示されます。", noTeam: "チームなし", label: "会場全体: {players}人、{groups}グループ。首位: {leader}。", players: "{n}人" },
};
const say = (key, vars = {}) => (TEXT[lang][key] ?? TEXT.en[key]).replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? "");

const LABEL_BAND = 56; // room above each cluster for its team's mark, name, size and total
const GLOW_FROM = 0.85; // dots above this share of the top score wear a halo: the leaders, not a crowd

/**
 * The hall on `canvas`. `show(hub, gameId)` starts it (asks for a full frame, then applies the pushed deltas, and
 * draws on every animation frame); `hide()` stops drawing and leaves the hall's frames. Counters for the tests sit
 * on `window.hallStats`.
 */
export function createHall(canvas) {
  const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");
  const stats = { animationFrames: 0, draws: 0, dots: 0, drawMs: 0, frames: 0, resyncs: 0 };
  window.hallStats = stats;

  let hub = null, gameId = null, visible = false, raf = 0;
  let epoch = 0, version = 0, count = 0, maxScore = 0, groups = [];
  let group = new Int32Array(1024), slot = new Int32Array(1024), score = new Float64Array(1024);
  let shown = new Float32Array(1024), spark = new Float32Array(1024), xs = new Float32Array(1024), ys = new Float32Array(1024);
  let members = [], totals = [], layout = null, layoutDirty = true, dirty = true, spacing = 10, labelled = "";
  const hubs = new WeakSet();
  // For the tests: one dot as the display holds it, and the groups.
  stats.dot = (id) => (id < count ? { group: group[id], slot: slot[id], score: score[id], x: xs[id], y: ys[id] } : null);
  stats.groups = () => [...groups];

  function grow(needed) {
    if (needed <= group.length) return;
    const size = Math.max(needed, group.length * 2);
    const bigger = (old, Type) => { const next = new Type(size); next.set(old); return next; };
    group = bigger(group, Int32Array); slot = bigger(slot, Int32Array); score = bigger(score, Float64Array);
    shown = bigger(shown, Float32Array); spark = bigger(spark, Float32Array); xs = bigger(xs, Float32Array); ys = bigger(ys, Float32Array);
  }

  function reset(frame) {
    epoch = frame.epoch; count = 0; maxScore = 0; groups = []; members = []; totals = [];
  }

  // A frame the display cannot apply (another epoch: the game's board was rebuilt; a gap in the ids: a frame went
  // missing) is answered by asking for a full one.
  function resync() {
    if (!hub || !gameId) return;
    hub.invoke("WatchHall", gameId).then(apply, () => {});
  }

  function apply(frame) {
    if (!frame) return;
    if (frame.full) reset(frame);
    else if (!epoch) return; // pushed before the full frame this display asked for: that frame has it
    else if (frame.epoch !== epoch) { stats.resyncs++; resync(); return; }
    else if (Number(frame.version) <= version) return; // older than the snapshot this display started from
    version = Number(frame.version);
    stats.frames++;
    if (frame.groups.length) {
      groups = frame.groups;
      while (members.length < groups.length) { members.push([]); totals.push(0); }
      layoutDirty = true;
    }
    const from = frame.joinedFrom;
    if (from > count) { stats.resyncs++; resync(); return; }
    const joined = frame.joinedGroups;
    grow(from + joined.length);
    // Ids below `count` were already in the snapshot this display started from.
    for (let id = count; id < from + joined.length; id++) {
      const g = joined[id - from];
      group[id] = g; slot[id] = members[g].length; members[g].push(id);
      score[id] = 0; shown[id] = reducedMotion.matches ? 1 : 0; spark[id] = 0;
      count = id + 1; layoutDirty = true;
    }
    let id = 0, fell = false;
    const ids = frame.changedIds, scores = frame.changedScores;
    for (let i = 0; i < ids.length; i++) {
      id += ids[i];
      const next = Number(scores[i]);
      totals[group[id]] += next - score[id];
      if (next < score[id]) fell = true;
      score[id] = next;
      if (next > maxScore) maxScore = next;
      spark[id] = 1;
    }
    if (fell) { maxScore = 0; for (let i = 0; i < count; i++) if (score[i] > maxScore) maxScore = score[i]; }
    stats.dots = count;
    dirty = true;
  }

  function stampSpans(spans, x, y, color, deviceWidth, deviceHeight) {
    for (let k = 0; k < spans.length; k += 3) {
      const row = y + spans[k];
      if (row < 0 || row >= deviceHeight) continue;
      const from = Math.max(0, x + spans[k + 1]), to = Math.min(deviceWidth, x + spans[k + 2]);
      // A dot's rows are a few pixels long: a plain loop beats a call to fill() for each.
      for (let p = row * deviceWidth + from, end = row * deviceWidth + to; p < end; p++) pixels[p] = color;
    }
  }

  function placeDots(width, height) {
    layout = clusterCells(groups.length, width, height - 8);
    const cellHeight = (height - 8) / layout.rows, cellWidth = width / layout.columns;
    const radius = Math.max(20, Math.min(cellWidth / 2, (cellHeight - LABEL_BAND) / 2) * 0.94);
    const largest = Math.max(1, ...members.map((m) => m.length));
    spacing = spacingFor(largest, radius);
    layout.cells = layout.cells.map((c) => ({ ...c, y: c.y + LABEL_BAND / 2, radius, labelY: c.y - cellHeight / 2 + 34 }));
    for (let i = 0; i < count; i++) {
      const cell = layout.cells[group[i]];
      const [dx, dy] = dotOffset(slot[i], spacing);
      xs[i] = cell.x + dx; ys[i] = cell.y + dy;
    }
    layoutDirty = false;
  }

  // Dots are written straight into the canvas's pixels, row spans of a stamp per team mark and size, then put with one
  // putImageData: in a software canvas (a projector PC without a GPU, headless Chromium) that keeps 50+ frames a
  // second at 5,000 dots where paths or image draws managed 3 to 12 (same machine, same minute).
  // Per mark, the stamps by size in half pixels: looked up for every dot of every frame, so no string keys.
  const stamps = {};
  function stampOf(mark, radius) {
    const halves = Math.max(2, Math.round(radius * 2)), half = halves / 2;
    const bySize = (stamps[mark] ??= []);
    let spans = bySize[halves];
    if (!spans) {
      const reach = Math.ceil(half) + 1, size = reach * 2 + 1;
      const scratch = document.createElement("canvas");
      scratch.width = scratch.height = size;
      const s = scratch.getContext("2d", { willReadFrequently: true });
      s.beginPath();
      traceMark(s, mark, reach + 0.5, reach + 0.5, half);
      s.fill("evenodd");
      const alpha = s.getImageData(0, 0, size, size).data;
      const list = [];
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          if (alpha[(y * size + x) * 4 + 3] < 110) continue;
          const from = x;
          while (x + 1 < size && alpha[(y * size + x + 1) * 4 + 3] >= 110) x++;
          list.push(y - reach, from - reach, x - reach + 1);
        }
      }
      // A dot too small for its mark still shows as one pixel.
      spans = list.length ? Int16Array.from(list) : Int16Array.of(0, 0, 1);
      bySize[halves] = spans;
    }
    return spans;
  }

  // A colour as one pixel (ABGR: ImageData's bytes read as a little-endian Uint32), mixed towards white or the panel.
  const packed = (hex, towardWhite = 0, towardPanel = 0) => {
    const value = parseInt(hex.slice(1), 16), panel = [0x14, 0x1a, 0x33];
    const mix = (c, p) => Math.round(c + (255 - c) * towardWhite + (p - c) * towardPanel);
    return (255 << 24 | mix(value & 255, panel[2]) << 16 | mix((value >> 8) & 255, panel[1]) << 8 | mix(value >> 16, panel[0])) >>> 0;
  };
  const BACKGROUND = packed("#141a33"); // the panel's colour (presenter.css --panel)
  // A team's style and its pixels, worked out once per team rather than per dot and frame.
  const looks = new Map();
  function lookOf(team) {
    let look = looks.get(team);
    if (!look) {
      const style = teamStyle(team);
      look = {
        style, plain: packed(style.color), halo: packed(style.color, 0, 0.55),
        flashes: Array.from({ length: 8 }, (_, level) => packed(style.color, ((level + 0.5) / 8) * 0.7)),
      };
      looks.set(team, look);
    }
    return look;
  }
  let image = null, pixels = null;

  function draw() {
    const started = performance.now();
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    const deviceWidth = Math.round(width * ratio), deviceHeight = Math.round(height * ratio);
    if (canvas.width !== deviceWidth || canvas.height !== deviceHeight || !image) {
      canvas.width = deviceWidth; canvas.height = deviceHeight; layoutDirty = true;
      image = new ImageData(Math.max(1, deviceWidth), Math.max(1, deviceHeight));
      pixels = new Uint32Array(image.data.buffer);
    }
    if (layoutDirty) placeDots(width, height);
    // Opaque: the compositor copies the canvas instead of blending it over the page, every frame.
    const g = canvas.getContext("2d", { alpha: false });
    pixels.fill(BACKGROUND);
    const still = reducedMotion.matches;
    const top = Math.max(1, maxScore), base = spacing * 0.5 * ratio;
    let moving = false;
    // The leaders' halos first, in the team's colour dimmed towards the panel, so that no halo covers a dot.
    const teamLooks = groups.map(lookOf);
    for (let gi = 0; gi < groups.length; gi++) {
      const { halo } = teamLooks[gi];
      for (const i of members[gi]) {
        const lead = score[i] / top;
        if (lead < GLOW_FROM) continue;
        const r = base * (0.4 + 0.6 * Math.sqrt(lead)) * (1.4 + (lead - GLOW_FROM) * 4);
        stampSpans(stampOf("circle", r), Math.round(xs[i] * ratio), Math.round(ys[i] * ratio), halo, deviceWidth, deviceHeight);
      }
    }
    for (let gi = 0; gi < groups.length; gi++) {
      const { style, plain, flashes } = teamLooks[gi];
      for (const i of members[gi]) {
        const target = 0.4 + 0.6 * Math.sqrt(score[i] / top);
        if (still) shown[i] = target;
        else if (Math.abs(target - shown[i]) > 0.002) { shown[i] += (target - shown[i]) * 0.18; moving = true; }
        // A score that just moved flashes towards white, unless motion is reduced.
        const flash = still ? 0 : spark[i];
        if (flash > 0.02) { spark[i] *= 0.9; moving = true; }
        stampSpans(stampOf(style.mark, base * shown[i]), Math.round(xs[i] * ratio), Math.round(ys[i] * ratio),
          flash > 0.02 ? flashes[Math.min(7, Math.floor(flash * 8))] : plain, deviceWidth, deviceHeight);
      }
    }
    g.putImageData(image, 0, 0);
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    drawLabels(g, width);
    dirty = moving;
    stats.draws++;
    stats.drawMs = performance.now() - started;
  }

  let font = "";
  const fitted = new Map();
  function drawLabels(g, width) {
    g.textBaseline = "middle";
    font ||= `700 28px ${getComputedStyle(canvas).fontFamily}`;
    g.font = font;
    if (count === 0) {
      g.textAlign = "center";
      g.fillStyle = "#9aa5d1";
      g.fillText(say("empty"), width / 2, canvas.clientHeight / 2);
      return;
    }
    g.textAlign = "left";
    for (let gi = 0; gi < groups.length; gi++) {
      const cell = layout.cells[gi], style = lookOf(groups[gi]).style;
      const name = groups[gi] || say("noTeam");
      const text = `${name} · ${say("players", { n: numbers.format(members[gi].length) })} · ${numbers.format(totals[gi])}`;
      const room = cell.radius * 2 - 40;
      // Measured once per text and room: the totals change a few times a second, the frames sixty times.
      const key = `${text}|${room}`;
      let fit = fitted.get(gi);
      if (fit?.key !== key) {
        // What gives way first is the player count, then the end of the name; the total always stays readable.
        const total = numbers.format(totals[gi]);
        let shownText = [text, `${name} · ${total}`].find((t) => g.measureText(t).width <= room);
        if (!shownText) {
          let cut = name;
          while (cut.length > 1 && g.measureText(`${cut}… · ${total}`).width > room) cut = cut.slice(0, -1);
          shownText = `${cut}… · ${total}`;
        }
        fit = { key, shownText, textWidth: g.measureText(shownText).width };
        fitted.set(gi, fit);
      }
      const { shownText, textWidth } = fit;
      const left = cell.x - (textWidth + 36) / 2;
      g.beginPath();
      traceMark(g, style.mark, left + 12, cell.labelY, 12);
      g.fillStyle = style.color;
      g.fill("evenodd");
      g.fillStyle = "#f5f7ff";
      g.fillText(shownText, left + 36, cell.labelY);
    }
    // What a screen reader says about the picture, updated when the counts change (not on every frame).
    const leader = groups.map((name, gi) => [name || say("noTeam"), totals[gi]]).sort((a, b) => b[1] - a[1])[0]?.[0] ?? "";
    const label = say("label", { players: numbers.format(count), groups: groups.length, leader });
    if (label !== labelled) { canvas.setAttribute("aria-label", label); labelled = label; }
  }

  function loop() {
    raf = requestAnimationFrame(loop);
    stats.animationFrames++;
    // With reduced motion nothing moves by itself: the canvas is drawn again only when a frame changed it.
    if (!reducedMotion.matches || dirty || layoutDirty) draw();
  }

  return {
    apply,
    show(connection, id) {
      if (!hubs.has(connection)) {
        hubs.add(connection);
        connection.on("Hall", (frame) => { if (connection === hub) apply(frame); });
        // Deltas sent while the connection was down are lost: start from a full frame again.
        connection.onreconnected(() => { if (connection === hub && visible) resync(); });
      }
      hub = connection; gameId = id; visible = true; version = 0; epoch = 0; dirty = true;
      resync();
      if (!raf) raf = requestAnimationFrame(loop);
    },
    hide() {
      visible = false;
      cancelAnimationFrame(raf);
      raf = 0;
      if (hub && gameId && hub.state === "Connected") hub.invoke("UnwatchHall", gameId).catch(() => {});
    },
  };
}
