import type uPlot from "uplot";

/** A position inside a uPlot plot area, in CSS pixels. */
export interface PlotSpot {
  left: number;
  top: number;
}

/**
 * The hover tooltip the scatter charts share: a `chart-tip` element inside the plot area, and mouse handlers that
 * report the pointer's position in the plot area's CSS pixels (`onMove`) or that it left (`onMove(undefined)`).
 * Call from uPlot's `ready` hook.
 */
export function attachTip(u: uPlot, onMove: (spot: PlotSpot | undefined) => void): HTMLDivElement {
  const tip = document.createElement("div");
  tip.className = "chart-tip";
  tip.dataset.testid = "chart-tip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  u.over.append(tip);
  u.over.addEventListener("mousemove", (e) => onMove({ left: e.offsetX, top: e.offsetY }));
  u.over.addEventListener("mouseleave", () => onMove(undefined));
  return tip;
}

/**
 * Fills the tooltip (a bold first line, then one line each; text only, never markup) and places it beside `at`:
 * to its right, or to its left in the right half of the plot, so it stays inside; or hides it (`lines` undefined).
 */
export function showTip(tip: HTMLDivElement, u: uPlot, at: PlotSpot, lines: readonly string[] | undefined): void {
  if (!lines) {
    tip.hidden = true;
    return;
  }
  tip.replaceChildren(
    ...lines.map((text, i) => {
      const line = document.createElement(i === 0 ? "strong" : "div");
      line.textContent = text;
      return line;
    }),
  );
  tip.hidden = false;
  const flip = at.left > u.over.clientWidth / 2;
  tip.style.left = flip ? "" : `${at.left + 12}px`;
  tip.style.right = flip ? `${u.over.clientWidth - at.left + 12}px` : "";
  tip.style.top = `${Math.max(0, at.top - 20)}px`;
}

/** The mark nearest to `spot` within `hit` CSS pixels, if any. */
export function nearestMark<T>(marks: readonly T[], at: (mark: T) => PlotSpot, spot: PlotSpot, hit: number): T | undefined {
  let best: T | undefined;
  let bestDistance = hit;
  for (const m of marks) {
    const c = at(m);
    const distance = Math.hypot(c.left - spot.left, c.top - spot.top);
    if (distance <= bestDistance) {
      best = m;
      bestDistance = distance;
    }
  }
  return best;
}

/** Saves the canvas state and clips drawing to the plot area (restore with `u.ctx.restore()`). */
export function clipToPlot(u: uPlot): CanvasRenderingContext2D {
  const ctx = u.ctx;
  ctx.save();
  ctx.beginPath();
  ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
  ctx.clip();
  return ctx;
}
