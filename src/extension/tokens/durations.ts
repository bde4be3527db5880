// Time left as the tree, the status bar and the pickers say it: pure (no vscode), so the Node tier covers it.

/** "42 min", "3 h 5 min", "40 s". */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** Milliseconds from `now` to the next multiple of `periodMs` on the wall clock (never 0). */
export function delayToBoundary(now: number, periodMs: number): number {
  return periodMs - (now % periodMs);
}

/**
 * Runs `tick` every `periodMs`, on the wall clock's multiples of it: every countdown that ticks this way (the tree,
 * the status bar) reads the clock at the same instants, so they never say two different minutes for one token.
 */
export function everyAligned(tick: () => void, periodMs: number): { dispose(): void } {
  let interval: ReturnType<typeof setInterval> | undefined;
  const first = setTimeout(
    () => {
      tick();
      interval = setInterval(tick, periodMs);
    },
    delayToBoundary(Date.now(), periodMs),
  );
  return {
    dispose: () => {
      clearTimeout(first);
      if (interval) clearInterval(interval);
    },
  };
}
