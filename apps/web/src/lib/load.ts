import { type Accessor, createEffect, createMemo, createSignal, on, onCleanup } from "solid-js";

export interface Loaded<T> {
  /** The latest data (kept while a new request is in flight, so tables do not flash). */
  data: Accessor<T | undefined>;
  error: Accessor<unknown>;
  loading: Accessor<boolean>;
  refetch: () => void;
}

/**
 * Loads `fetcher(key)` whenever `key` changes (compared by JSON) and on `refetch()`. Unlike createResource it never
 * suspends, so inputs keep their focus while filters reload; answers to stale requests are dropped.
 */
export function load<K, T>(key: Accessor<K | false | null | undefined>, fetcher: (key: K) => Promise<T>): Loaded<T> {
  const [data, setData] = createSignal<T>();
  const [error, setError] = createSignal<unknown>();
  const [loading, setLoading] = createSignal(false);
  const [tick, setTick] = createSignal(0);
  let request = 0;
  let alive = true;
  onCleanup(() => {
    alive = false;
  });
  // a memo: a key read from the URL recomputes on every URL change (a ticked row, another filter), and only a key
  // that really changed may refetch (a refetch replaces the data, so tables re-render and focus falls to <body>)
  const serialized = createMemo(() => {
    const k = key();
    return k === false || k === null || k === undefined ? undefined : JSON.stringify(k);
  });
  createEffect(
    on([serialized, tick], ([k]) => {
      if (k === undefined) return;
      const id = ++request;
      setLoading(true);
      fetcher(JSON.parse(k) as K).then(
        (value) => {
          if (!alive || id !== request) return;
          setError(undefined);
          setData(() => value);
          setLoading(false);
        },
        (e: unknown) => {
          if (!alive || id !== request) return;
          setError(() => e);
          setLoading(false);
        },
      );
    }),
  );
  return { data, error, loading, refetch: () => setTick((t) => t + 1) };
}

/** Calls `fn` at most once per `ms` (trailing), for refetches triggered by bursts of live events. */
export function throttle(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(timer));
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
  };
}
