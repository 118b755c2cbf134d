// Keeps a value fresh: loads it now and every `everyMs` while the page is visible, so charts and
// tables update without a reload. `deps` restart the loop (e.g. a new account).
import { useEffect, useRef, useState } from "preact/hooks";

export interface Polled<T> {
  value: T | undefined;
  error: string | null;
  /** loads again now (after a transaction) */
  refresh(): void;
}

export function usePoll<T>(load: () => Promise<T>, everyMs: number, deps: unknown[] = []): Polled<T> {
  const [value, setValue] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      if (document.visibilityState !== "hidden") {
        try {
          const v = await loadRef.current();
          if (!stopped) {
            setValue(v);
            setError(null);
          }
        } catch (err) {
          if (!stopped) setError((err as Error).message ?? String(err));
        }
      }
      if (!stopped) timer = setTimeout(run, everyMs);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [everyMs, tick, ...deps]);
  return { value, error, refresh: () => setTick((t) => t + 1) };
}
