import { describe, expect, it } from "vitest";

import { progressReducer, type TaskProgress } from "../src/api/progress";
import type { TaskOut } from "../src/api/schema";

export function task(overrides: Partial<TaskOut> = {}): TaskOut {
  return {
    id: "t1",
    status: "pending",
    prompt: "a red bicycle",
    negative_prompt: null,
    negative_prompt_ignored: true,
    preset: "instagram_square",
    width: 1080,
    height: 1080,
    generation_width: 1088,
    generation_height: 1088,
    num_images: 2,
    seed: 42,
    steps: 8,
    guidance_scale: 0,
    template_id: null,
    engine: null,
    model: null,
    attempts: 0,
    cancel_requested: false,
    error: null,
    progress: { step: 0, total: 8 },
    queue_position: 3,
    created_at: "2026-01-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    queue_wait_seconds: null,
    gpu_seconds: null,
    images: [],
    ...overrides,
  };
}

const event = (id: number, name: string, data: object) => ({ type: "event" as const, event: { id: String(id), event: name, data: JSON.stringify(data) } });

describe("progressReducer", () => {
  it("follows queue position, steps and completion", () => {
    let state = progressReducer(null, { type: "submitted", task: task() }) as TaskProgress;
    expect(state).toMatchObject({ phase: "queued", position: 3, step: 0, total: 8 });
    state = progressReducer(state, event(1, "queued", { status: "pending", position: 1 })) as TaskProgress;
    expect(state.position).toBe(1);
    state = progressReducer(state, event(2, "progress", { status: "processing", step: 3, total: 8, attempt: 1, canceling: false })) as TaskProgress;
    expect(state).toMatchObject({ phase: "processing", step: 3, position: null, lastEventId: "2" });
    const done = task({ status: "completed", engine: "tiny (demo)", progress: { step: 8, total: 8 }, images: [{ id: "i1", index: 0, url: "/u", thumbnail_url: "/t", width: 1080, height: 1080, seed: 42 }] });
    state = progressReducer(state, event(3, "completed", { status: "completed", error: null, task: done })) as TaskProgress;
    expect(state).toMatchObject({ phase: "completed", step: 8, error: null });
    expect(state.task.images).toHaveLength(1);
  });

  it("shows a cancel in progress, then the canceled end", () => {
    let state = progressReducer(null, { type: "submitted", task: task({ status: "processing", queue_position: null }) }) as TaskProgress;
    state = progressReducer(state, event(4, "progress", { step: 2, total: 8, canceling: true })) as TaskProgress;
    expect(state.canceling).toBe(true);
    state = progressReducer(state, event(5, "canceled", { status: "canceled", error: null, task: task({ status: "canceled" }) })) as TaskProgress;
    expect(state).toMatchObject({ phase: "canceled", canceling: false });
  });

  it("keeps the failure reason, and nothing moves a finished task backwards", () => {
    let state = progressReducer(null, { type: "submitted", task: task() }) as TaskProgress;
    state = progressReducer(state, event(2, "failed", { status: "failed", error: "out of memory", task: task({ status: "failed", error: "out of memory" }) })) as TaskProgress;
    expect(state).toMatchObject({ phase: "failed", error: "out of memory" });
    expect(progressReducer(state, event(3, "progress", { step: 5 }))).toBe(state);
    expect(progressReducer(state, { type: "task", task: task({ status: "processing" }) })).toBe(state);
  });

  it("ignores malformed data and events of unknown names", () => {
    const state = progressReducer(null, { type: "submitted", task: task() }) as TaskProgress;
    expect(progressReducer(state, { type: "event", event: { id: "9", event: "progress", data: "not json" } })).toBe(state);
    expect(progressReducer(state, event(9, "mystery", {}))).toBe(state);
  });
});
