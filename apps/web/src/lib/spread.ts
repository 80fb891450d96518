/**
 * Horizontal offsets that keep marks apart: `xs` are pixel positions in ascending order; marks closer than `gap` to
 * their left neighbour join its group, and each group is laid out side by side, `gap` apart, centred on the group's
 * mean position. Returns each mark's offset from its own position.
 */
export function spreadOffsets(xs: readonly number[], gap: number): number[] {
  const offsets = new Array<number>(xs.length).fill(0);
  let start = 0;
  const flush = (end: number) => {
    const n = end - start;
    let centre = 0;
    for (let i = start; i < end; i++) centre += xs[i] ?? 0;
    centre /= n || 1;
    for (let i = start; i < end; i++) offsets[i] = centre + (i - start - (n - 1) / 2) * gap - (xs[i] ?? 0);
    start = end;
  };
  for (let i = 1; i < xs.length; i++) if ((xs[i] ?? 0) - (xs[i - 1] ?? 0) >= gap) flush(i);
  if (xs.length > 0) flush(xs.length);
  return offsets;
}
