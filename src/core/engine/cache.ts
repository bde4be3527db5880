import { CancelledError } from '../errors/errors';

export interface Expiring<T> {
  readonly value: T;
  readonly expiresOnMs: number;
}

export interface TokenCacheOptions {
  /** A cached token is reused until this long before it expires. Default 5 minutes. */
  readonly refreshMarginMs?: number;
  readonly now?: () => number;
  /** Oldest entries are dropped past this many. Default 1000. */
  readonly maxEntries?: number;
}

/**
 * Tokens by key, reused until a refresh margin before expiry. Concurrent callers for one key share one acquisition
 * in flight; if the caller that started it cancels, a waiter that did not cancel starts its own.
 */
export class TokenCache<T> {
  private readonly entries = new Map<string, Expiring<T>>();
  private readonly inFlight = new Map<string, Promise<Expiring<T>>>();
  private readonly refreshMarginMs: number;
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(options: TokenCacheOptions = {}) {
    this.refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 1000;
  }

  static key(...parts: readonly string[]): string {
    return JSON.stringify(parts);
  }

  /** A usable cached value, if any. */
  peek(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresOnMs - this.refreshMarginMs <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async getOrAcquire(
    key: string,
    acquire: () => Promise<Expiring<T>>,
    signal?: AbortSignal,
  ): Promise<{ value: T; fromCache: boolean }> {
    for (;;) {
      if (signal?.aborted) throw new CancelledError();
      const cached = this.peek(key);
      if (cached !== undefined) return { value: cached, fromCache: true };
      const pending = this.inFlight.get(key);
      if (pending) {
        try {
          return { value: (await raceAbort(pending, signal)).value, fromCache: true };
        } catch (e) {
          // The leader was cancelled, not us: try again, possibly as the new leader.
          if (e instanceof CancelledError && !signal?.aborted) continue;
          throw e;
        }
      }
      const started = acquire();
      this.inFlight.set(key, started);
      try {
        const entry = await started;
        this.store(key, entry);
        return { value: entry.value, fromCache: false };
      } finally {
        if (this.inFlight.get(key) === started) this.inFlight.delete(key);
      }
    }
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  private store(key: string, entry: Expiring<T>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
