/**
 * Live data without reloading: fetch now, then again every few seconds while the tab is visible.
 * A failed poll keeps the last data and shows the error; the next poll may clear it.
 */
import { useCallback, useEffect, useState } from "preact/hooks";
import { describeFailure } from "./api.js";

export const POLL_MS = 5_000;

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  updatedAt: Date | undefined;
  reload: () => void;
}

export function usePolled<T>(load: () => Promise<T>, deps: unknown[]): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, "reload">>({
    data: undefined,
    error: undefined,
    updatedAt: undefined,
  });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    let timer: number | undefined;
    const run = async () => {
      if (document.visibilityState === "visible") {
        try {
          const data = await load();
          if (live) setState({ data, error: undefined, updatedAt: new Date() });
        } catch (error) {
          if (live) setState((s) => ({ ...s, error: describeFailure(error) }));
        }
      }
      if (live) timer = window.setTimeout(run, POLL_MS);
    };
    void run();
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { ...state, reload };
}
