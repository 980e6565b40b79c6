// Where the hall view puts each dot, shared by the display (presenter/hall.js) and the phone (its "your dot" map),
// so that both draw a player in the same place. Clusters, one per group (team) in the order of the teams' first
// players, sit in a grid of equal cells, left to right and top to bottom; in its cluster a dot spirals out from the
// centre by its slot (the n-th of its team to join) on the golden angle, so the cluster stays round as it grows.

const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));

/** The grid for `groups` clusters in a width × height area: columns, rows, and each cell's centre and radius. */
export function clusterCells(groups, width, height) {
  const count = Math.max(1, groups);
  let best = null;
  for (let columns = 1; columns <= count; columns++) {
    const rows = Math.ceil(count / columns);
    const radius = Math.min(width / columns, height / rows) / 2;
    if (!best || radius > best.radius) best = { columns, rows, radius };
  }
  const cellWidth = width / best.columns, cellHeight = height / best.rows;
  const cells = [];
  for (let i = 0; i < count; i++) {
    const column = i % best.columns, row = Math.floor(i / best.columns);
    cells.push({ x: (column + 0.5) * cellWidth, y: (row + 0.5) * cellHeight, radius: best.radius });
  }
  return { ...best, cells };
}

/** A dot's offset from its cluster's centre, for dots `spacing` apart: slot 0 in the middle, spiralling out. */
export function dotOffset(slot, spacing) {
  const distance = spacing * Math.sqrt(slot + 0.5);
  const angle = slot * GOLDEN_ANGLE;
  return [distance * Math.cos(angle), distance * Math.sin(angle)];
}

/** The spacing that fits a cluster of `size` dots into a circle of `radius`. */
export const spacingFor = (size, radius) => radius / Math.sqrt(Math.max(1, size) + 0.5);
