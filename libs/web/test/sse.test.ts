import { describe, expect, it } from "vitest";

import { readEventStream, SseParser, StreamError, type SseEvent } from "../src/api/sse";

describe("SseParser", () => {
  it("parses id, event and data, keeping the last id", () => {
    const parser = new SseParser();
    const events = parser.feed('retry: 2000\n\nid: 1\nevent: queued\ndata: {"position": 2}\n\nid: 2\nevent: progress\ndata: {"step": 1}\n\n');
    expect(events).toEqual([
      { id: "1", event: "queued", data: '{"position": 2}' },
      { id: "2", event: "progress", data: '{"step": 1}' },
    ]);
    expect(parser.retryMs).toBe(2000);
    expect(parser.lastEventId).toBe("2");
  });

  it("joins events split across chunks at any byte, including CRLF split in two", () => {
    const text = "id: 7\r\nevent: progress\r\ndata: {\"step\": 3}\r\n\r\n";
    for (let cut = 1; cut < text.length; cut++) {
      const parser = new SseParser();
      const events = [...parser.feed(text.slice(0, cut)), ...parser.feed(text.slice(cut))];
      expect(events, `cut at ${cut}`).toEqual([{ id: "7", event: "progress", data: '{"step": 3}' }]);
    }
  });

  it("ignores comments and keep-alives, joins multi-line data, defaults the event name", () => {
    const parser = new SseParser();
    const events = parser.feed(": keep-alive\n\ndata: line one\ndata:line two\n\n");
    expect(events).toEqual([{ id: null, event: "message", data: "line one\nline two" }]);
  });

  it("does not dispatch an event without data, and an id carries over to later events", () => {
    const parser = new SseParser();
    expect(parser.feed("id: 5\nevent: progress\n\n")).toEqual([]);
    expect(parser.feed("data: x\n\n")).toEqual([{ id: "5", event: "message", data: "x" }]);
  });
});

function streamOf(chunks: string[], { hang = false } = {}): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      if (!hang) controller.close();
    },
  });
}

describe("readEventStream", () => {
  it("reconnects after a dropped stream with Last-Event-ID and stops at the terminal event", async () => {
    const seen: SseEvent[] = [];
    const requests: Request[] = [];
    const answers = [
      () => new Response(streamOf(["retry: 10\n\nid: 1\nevent: queued\ndata: {}\n\nid: 2\nevent: progress\ndata: {\"step\":1}\n\n"]), { headers: { "content-type": "text/event-stream" } }),
      () => new Response(streamOf(["id: 3\nevent: progress\ndata: {\"step\":2}\n\nid: 4\nevent: completed\ndata: {}\n\n"], { hang: true })),
    ];
    await readEventStream({
      url: "http://test/api/v1/tasks/t/events",
      fetch: async (request) => {
        requests.push(request);
        const answer = answers.shift();
        if (!answer) throw new Error("too many requests");
        return answer();
      },
      onEvent: (event) => seen.push(event),
      until: (event) => event.event === "completed",
      sleep: async () => undefined,
    });
    expect(seen.map((e) => e.id)).toEqual(["1", "2", "3", "4"]);
    expect(requests[0]?.headers.get("last-event-id")).toBeNull();
    expect(requests[1]?.headers.get("last-event-id")).toBe("2");
    expect(requests[1]?.headers.get("accept")).toBe("text/event-stream");
  });

  it("retries network errors, and gives up on a 404 at once", async () => {
    let calls = 0;
    await expect(
      readEventStream({
        url: "http://test/x",
        fetch: async () => {
          calls += 1;
          if (calls < 3) throw new TypeError("network down");
          return new Response(JSON.stringify({ error: "TaskNotFound" }), { status: 404 });
        },
        onEvent: () => undefined,
        sleep: async () => undefined,
      }),
    ).rejects.toBeInstanceOf(StreamError);
    expect(calls).toBe(3);
  });

  it("stops quietly when aborted", async () => {
    const controller = new AbortController();
    const done = readEventStream({
      url: "http://test/x",
      signal: controller.signal,
      fetch: async () => new Response(streamOf(["id: 1\nevent: queued\ndata: {}\n\n"], { hang: true })),
      onEvent: () => controller.abort(),
    });
    await expect(done).resolves.toBeUndefined();
  });
});
