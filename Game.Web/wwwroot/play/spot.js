// "Where am I on the big screen?": the phone's own dot in the hall view, as a small map of the same clusters
// (shared/hall-layout.js places it exactly as the display does) and a sentence for those who cannot see the map.
import { lang } from "/shared/game.js";
import { clusterCells, dotOffset, spacingFor } from "/shared/hall-layout.js";
import { teamStyle, traceMark } from "/shared/palette.js";

const TEXT = {
  en: {
    where: "Your dot in the hall view: the {team} cluster, {n} of {m} from the top left, {ring}.", noTeam: "no-team",
    middle: "near its middle", halfway: "halfway out", edge: "near its edge",
  },
  ja: {
    where: "会場ビューでのあなたの点: {team}のかたまり（左上から{n}番目／{m}）の{ring}。", noTeam: "チームなし",
    middle: "中心付近", halfway: "中ほど", edge: "外側",
  },
};
const say = (key, vars = {}) => (TEXT[lang][key] ?? TEXT.en[key]).replace(/\{(\w+)\}/g, (_, name) => vars[name] ?? "");

/** Draws the player's spot on `canvas` and answers the sentence that says the same. */
export function drawSpot(canvas, spot, team) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio)) { canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio); }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const { cells } = clusterCells(spot.groups, width, height);
  const style = teamStyle(team);
  cells.forEach((cell, index) => {
    g.beginPath();
    g.arc(cell.x, cell.y, cell.radius * 0.9, 0, Math.PI * 2);
    g.fillStyle = index === spot.group ? `${style.color}55` : "#262f57";
    g.fill();
  });
  const cell = cells[spot.group] ?? cells[0];
  const [dx, dy] = dotOffset(spot.slot, spacingFor(spot.groupSize, cell.radius * 0.9));
  g.beginPath();
  g.arc(cell.x + dx, cell.y + dy, 9, 0, Math.PI * 2);
  g.fillStyle = "#f5f7ff";
  g.fill();
  g.beginPath();
  traceMark(g, style.mark, cell.x + dx, cell.y + dy, 6.5);
  g.fillStyle = style.color;
  g.fill("evenodd");
  const share = (spot.slot + 0.5) / Math.max(1, spot.groupSize);
  return say("where", {
    team: team || say("noTeam"), n: spot.group + 1, m: spot.groups,
    ring: say(share < 0.2 ? "middle" : share < 0.6 ? "halfway" : "edge"),
  });
}
