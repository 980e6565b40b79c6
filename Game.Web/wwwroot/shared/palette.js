// Team colours and marks, one rule for every page. The colours are the Okabe–Ito palette, which people with any
// common colour-vision deficiency tell apart; and each colour has its own mark (a shape), so two teams differ in
// shape as well as colour, for anyone who cannot see the colour at all. The hall view draws the same shapes.

// Okabe–Ito's seven colours (its black is invisible on the dark display), plus white and grey for teams named so.
const STYLES = [
  { color: "#D55E00", mark: "circle" },   // vermillion: "red"
  { color: "#E69F00", mark: "triangle" }, // orange
  { color: "#F0E442", mark: "square" },   // yellow
  { color: "#009E73", mark: "diamond" },  // bluish green: "green"
  { color: "#56B4E9", mark: "star" },     // sky blue
  { color: "#0072B2", mark: "plus" },     // blue
  { color: "#CC79A7", mark: "down" },     // reddish purple: "purple", "pink"
  { color: "#EEF1F8", mark: "hexagon" },  // white
  { color: "#9AA3B5", mark: "cross" },    // grey: "black"
];
const NO_TEAM = { color: "#8A93B8", mark: "ring" };
const HASHED = 7; // a team named after no colour gets one of the seven Okabe–Ito colours

// A team called after a colour gets that colour (a "Red" team drawn blue confuses a hall).
const NAMED = {
  red: 0, 赤: 0, あか: 0, orange: 1, オレンジ: 1, yellow: 2, 黄: 2, 黄色: 2, きいろ: 2, green: 3, 緑: 3, みどり: 3,
  sky: 4, cyan: 4, 水色: 4, みずいろ: 4, blue: 5, 青: 5, あお: 5, purple: 6, pink: 6, 紫: 6, むらさき: 6, ピンク: 6,
  white: 7, 白: 7, しろ: 7, black: 8, grey: 8, gray: 8, 黒: 8, くろ: 8,
};

const luminance = (hex) => {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const DARK_INK = "#0A0E1F";
// Text on a team's colour: dark or white, whichever contrasts more (WCAG's ratio; both exceed 4.5:1 on this palette).
const inkOn = (color) => ((luminance(color) + 0.05) / (luminance(DARK_INK) + 0.05) >= 1.05 / (luminance(color) + 0.05) ? DARK_INK : "#FFFFFF");

/** A team's colour, the ink for text on it, and its mark: the colour it is named after (赤組 → 赤), else one from a hash of its name; grey rings for no team. */
export function teamStyle(team) {
  let style = NO_TEAM;
  if (team) {
    const named = team.toLowerCase().split(/[\s_-]+/).map((word) => NAMED[word]).find((i) => i !== undefined) ?? NAMED[[...team][0]];
    if (named !== undefined) {
      style = STYLES[named];
    } else {
      let hash = 0;
      for (const ch of team) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
      style = STYLES[hash % HASHED];
    }
  }
  return { ...style, ink: inkOn(style.color) };
}

/** The colour of a team (see teamStyle). */
export const colorOf = (team) => teamStyle(team).color;

/** A small inline mark for text: `<span class="mark" data-mark="…">`, drawn by /shared/palette.css in the current colour. */
export function markElement(team) {
  const mark = document.createElement("span");
  mark.className = "mark";
  mark.dataset.mark = teamStyle(team).mark;
  mark.setAttribute("aria-hidden", "true");
  return mark;
}

/** The outline of a mark centred on (x, y) with radius r, added to the canvas path (the hall view's dots). */
export function traceMark(g, mark, x, y, r) {
  switch (mark) {
    case "triangle": g.moveTo(x, y - r); g.lineTo(x + r * 0.94, y + r * 0.72); g.lineTo(x - r * 0.94, y + r * 0.72); g.closePath(); break;
    case "down": g.moveTo(x, y + r); g.lineTo(x + r * 0.94, y - r * 0.72); g.lineTo(x - r * 0.94, y - r * 0.72); g.closePath(); break;
    case "square": g.rect(x - r * 0.8, y - r * 0.8, r * 1.6, r * 1.6); break;
    case "diamond": g.moveTo(x, y - r); g.lineTo(x + r, y); g.lineTo(x, y + r); g.lineTo(x - r, y); g.closePath(); break;
    case "star":
      for (let i = 0; i < 10; i++) {
        const a = -Math.PI / 2 + (i * Math.PI) / 5, d = i % 2 ? r * 0.45 : r;
        if (i) g.lineTo(x + d * Math.cos(a), y + d * Math.sin(a)); else g.moveTo(x + d * Math.cos(a), y + d * Math.sin(a));
      }
      g.closePath();
      break;
    case "plus": { const w = r * 0.36; g.rect(x - r, y - w, r * 2, w * 2); g.rect(x - w, y - r, w * 2, r * 2); break; }
    case "cross": {
      const w = r * 0.3, d = r * 0.78;
      g.moveTo(x - d, y - d + w); g.lineTo(x - d + w, y - d); g.lineTo(x, y - w); g.lineTo(x + d - w, y - d); g.lineTo(x + d, y - d + w); g.lineTo(x + w, y);
      g.lineTo(x + d, y + d - w); g.lineTo(x + d - w, y + d); g.lineTo(x, y + w); g.lineTo(x - d + w, y + d); g.lineTo(x - d, y + d - w); g.lineTo(x - w, y); g.closePath();
      break;
    }
    case "hexagon":
      for (let i = 0; i < 6; i++) { const a = (i * Math.PI) / 3; if (i) g.lineTo(x + r * Math.cos(a), y + r * Math.sin(a)); else g.moveTo(x + r, y); }
      g.closePath();
      break;
    case "ring": g.moveTo(x + r, y); g.arc(x, y, r, 0, Math.PI * 2); g.moveTo(x + r * 0.5, y); g.arc(x, y, r * 0.5, 0, Math.PI * 2, true); break;
    default: g.moveTo(x + r, y); g.arc(x, y, r, 0, Math.PI * 2);
  }
}
