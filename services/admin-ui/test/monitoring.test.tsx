import { cleanup, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";

import { MonitoringView } from "@/components/monitoring/monitoring-view";

import { renderWithApp } from "./render";

afterEach(cleanup);

const GiB = 1024 ** 3;
const system = {
  services: [
    { name: "auth", status: "ok", version: "0.1.0", latency_ms: 12.4, detail: null },
    { name: "gallery", status: "unavailable", version: null, latency_ms: null, detail: "connection refused" },
  ],
  queue: { pending: 7, processing: 1 },
  workers: [
    {
      id: "worker@gpu-1", hostname: "gpu-1", engine: "diffusers", model: "Tongyi-MAI/Z-Image-Turbo", device: "cuda:0",
      gpu_name: "NVIDIA GeForce RTX 3090", gpu_memory_used_bytes: 23 * GiB, gpu_memory_total_bytes: 24 * GiB,
      gpu_utilization: 0.87, state: "busy", current_task_id: "9c1d2e3f-0000-4000-8000-000000000000", tasks_done: 1234,
      started_at: "2026-11-26T00:00:00Z", last_seen_at: new Date().toISOString(), online: true,
    },
  ],
  recent_failures: [
    { task_id: "1b2c3d4e-0000-4000-8000-000000000000", user_id: "3f2b7c1e-8a4d-4e6f-9b0a-1c2d3e4f5a6b", error: "CUDA out of memory", attempts: 3, finished_at: "2026-11-26T01:00:00Z" },
  ],
  links: { grafana_url: "https://grafana.example.com", flower_url: null },
};

const api = (async (input: RequestInfo | URL) => {
  const url = new URL(String(input instanceof Request ? input.url : input));
  if (url.pathname === "/api/v1/admin/system") return Response.json(system);
  if (url.pathname === "/api/v1/admin/users") return Response.json({ items: [], next_cursor: null, total: 0 });
  return new Response("{}", { status: 404 });
}) as typeof fetch;

describe("monitoring", () => {
  it("shows each service, the queue, the GPU gauges and the failures, in Korean", async () => {
    renderWithApp(<MonitoringView />, { fetch: api });
    const worker = await screen.findByTestId("worker-card");
    const memory = within(worker).getByRole("meter", { name: "GPU 메모리" });
    expect(memory.getAttribute("aria-valuetext")).toBe("23 GiB / 24 GiB");
    expect(memory.getAttribute("aria-valuenow")).toBe(String(23 * GiB));
    expect(within(worker).getByRole("meter", { name: "GPU 사용률" }).getAttribute("aria-valuetext")).toBe("87%");
    expect(within(worker).getByText("작업 중")).toBeTruthy();
    expect(within(worker).getByText(/처리한 작업 1,234건/)).toBeTruthy();
    const services = screen.getAllByTestId("service-status");
    expect(services.map((s) => s.getAttribute("data-status"))).toEqual(["ok", "unavailable"]);
    expect(screen.getByText("connection refused")).toBeTruthy();
    expect(within(screen.getByTestId("queue-pending")).getByText("7")).toBeTruthy();
    expect(screen.getByRole("link", { name: /Grafana 대시보드/ }).getAttribute("href")).toBe("https://grafana.example.com");
    expect(screen.getByText("Flower (Celery): 설정되지 않음")).toBeTruthy();
    expect(screen.getByText("CUDA out of memory")).toBeTruthy();
  });
});
