// Arrivals seen through the same rolling 1-second window ZEGO's limit is stated in: the largest count in
// any window (the hard limit) and the mean count over the run (how much of the budget was spent).
const WINDOW_MS = 1000;

/**
 * Mean number of arrivals in the window (t − 1 s, t], over every t from one window after the first arrival
 * to the last arrival: the windows that lie wholly inside the run. Unlike count ÷ duration it does not
 * depend on how the run's first and last bursts fall: a sender holding exactly L per second scores L,
 * however it spaces them. Undefined for a run shorter than one window.
 */
export function meanInWindow(arrivals: readonly number[]): number | undefined {
  const sorted = [...arrivals].sort((x, y) => x - y);
  const from = sorted[0]! + WINDOW_MS;
  const to = sorted.at(-1)!;
  if (sorted.length < 2 || to <= from) return undefined;
  let covered = 0; // Σ over arrivals of the time its window stays open inside [from, to]
  for (const t of sorted) covered += Math.max(0, Math.min(to, t + WINDOW_MS) - Math.max(from, t));
  return covered / (to - from);
}
