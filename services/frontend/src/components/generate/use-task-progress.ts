"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useReducer, useState } from "react";

import {
  fromTask,
  isTerminal,
  progressReducer,
  queryKeys,
  readEventStream,
  TERMINAL_EVENTS,
  unwrap,
  useApi,
  type TaskOut,
  type TaskProgress,
} from "@zimage/web/api";

const POLL_MS = 2000;

/**
 * Live state of one task from its SSE stream (resumed with Last-Event-ID after a drop); if the stream
 * cannot be had at all, the task is polled instead. A finished task refreshes the gallery and usage.
 */
export function useTaskProgress(task: TaskOut): TaskProgress {
  const api = useApi();
  const queryClient = useQueryClient();
  const [state, dispatch] = useReducer(progressReducer, task, (t) => fromTask(t));
  const [polling, setPolling] = useState(false);
  const progress = state as TaskProgress;
  const done = isTerminal(progress.phase);

  useEffect(() => {
    if (isTerminal(fromTask(task).phase)) return;
    const controller = new AbortController();
    readEventStream({
      fetch: api.fetch,
      url: `${api.baseUrl}/api/v1/tasks/${task.id}/events`,
      signal: controller.signal,
      onEvent: (event) => dispatch({ type: "event", event }),
      until: (event) => TERMINAL_EVENTS.has(event.event),
    }).catch(() => {
      if (!controller.signal.aborted) setPolling(true);
    });
    return () => controller.abort();
    // The stream belongs to the task id; later task objects are folded in through the reducer.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [task.id]);

  useEffect(() => {
    if (!polling || done) return;
    const timer = setInterval(async () => {
      try {
        const fresh = unwrap(await api.client.GET("/api/v1/tasks/{task_id}", { params: { path: { task_id: task.id } } }));
        dispatch({ type: "task", task: fresh });
      } catch {
        // keep polling; the page shows the last known state
      }
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [polling, done, api, task.id]);

  useEffect(() => {
    if (!done) return;
    queryClient.setQueryData(queryKeys.tasks.detail(task.id), progress.task);
    void queryClient.invalidateQueries({ queryKey: queryKeys.tasks.all });
    void queryClient.invalidateQueries({ queryKey: queryKeys.usage });
    if (progress.phase === "completed") void queryClient.invalidateQueries({ queryKey: queryKeys.gallery.all });
    // Once per finish.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [done]);

  return progress;
}

/** Seconds since `from`, ticking while `running`; frozen at `to` when given. */
export function useElapsed(from: string | null, to: string | null, running: boolean): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  if (!from) return null;
  const end = to ? Date.parse(to) : now;
  return Math.max(0, Math.round((end - Date.parse(from)) / 1000));
}
