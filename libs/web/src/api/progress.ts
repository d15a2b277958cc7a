/** What the Generate page shows about one task, folded from the task itself and its SSE events. */
import type { SseEvent } from "./sse";
import type { TaskOut } from "./schema";

export type Phase = "queued" | "processing" | "completed" | "failed" | "canceled";

export interface TaskProgress {
  taskId: string;
  phase: Phase;
  /** 1 = next to run; null when unknown or not waiting. */
  position: number | null;
  step: number;
  total: number;
  canceling: boolean;
  error: string | null;
  task: TaskOut;
  lastEventId: string | null;
}

export type ProgressAction =
  | { type: "submitted"; task: TaskOut }
  | { type: "event"; event: SseEvent }
  | { type: "task"; task: TaskOut };

const PHASES: Record<TaskOut["status"], Phase> = {
  pending: "queued",
  processing: "processing",
  completed: "completed",
  failed: "failed",
  canceled: "canceled",
};

export const TERMINAL_EVENTS = new Set(["completed", "failed", "canceled"]);

export function isTerminal(phase: Phase): boolean {
  return phase === "completed" || phase === "failed" || phase === "canceled";
}

export function fromTask(task: TaskOut, lastEventId: string | null = null): TaskProgress {
  return {
    taskId: task.id,
    phase: PHASES[task.status],
    position: task.queue_position ?? null,
    step: task.progress.step,
    total: task.progress.total || task.steps,
    canceling: task.cancel_requested,
    error: task.error,
    task,
    lastEventId,
  };
}

function parse(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const num = (value: unknown, fallback: number): number => (typeof value === "number" ? value : fallback);

export function progressReducer(state: TaskProgress | null, action: ProgressAction): TaskProgress | null {
  if (action.type === "submitted") return fromTask(action.task);
  if (!state) return state;
  if (action.type === "task") {
    if (action.task.id !== state.taskId) return state;
    // A fetched task never moves a finished stream backwards.
    if (isTerminal(state.phase) && !isTerminal(PHASES[action.task.status])) return state;
    return { ...fromTask(action.task, state.lastEventId) };
  }
  const { event } = action;
  const data = parse(event.data);
  if (!data) return state;
  const base = { ...state, lastEventId: event.id ?? state.lastEventId };
  if (isTerminal(state.phase)) return state; // nothing follows the end
  switch (event.event) {
    case "queued":
      return { ...base, phase: "queued", position: typeof data.position === "number" ? data.position : null };
    case "progress":
      return {
        ...base,
        phase: "processing",
        position: null,
        step: num(data.step, state.step), // a retried attempt honestly starts again from 0
        total: num(data.total, state.total),
        canceling: Boolean(data.canceling),
      };
    case "completed":
    case "failed":
    case "canceled": {
      const task = (data.task as TaskOut | undefined) ?? state.task;
      return {
        ...base,
        phase: event.event,
        position: null,
        step: event.event === "completed" ? num(task.progress?.total, state.total) : state.step,
        error: typeof data.error === "string" ? data.error : null,
        canceling: false,
        task,
      };
    }
    default:
      return state;
  }
}
