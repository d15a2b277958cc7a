/**
 * Server-Sent Events over fetch: EventSource cannot send the bearer token, so the stream is read
 * with fetch and parsed here (the WHATWG event-stream format), resuming with Last-Event-ID.
 */

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
}

/** Incremental parser: feed it decoded text as it arrives, get back the complete events. */
export class SseParser {
  lastEventId: string | null = null;
  retryMs: number | null = null;
  private buffer = "";
  private data: string[] = [];
  private eventName = "";
  private sawCarriageReturn = false;

  feed(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let chunk = text;
    // A "\r\n" split across two chunks: the "\n" already ended the line.
    if (this.sawCarriageReturn && chunk.startsWith("\n")) chunk = chunk.slice(1);
    this.sawCarriageReturn = chunk.endsWith("\r");
    this.buffer += chunk;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? "";
    for (const line of lines) {
      const event = this.line(line);
      if (event) events.push(event);
    }
    return events;
  }

  private line(line: string): SseEvent | null {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return null; // comment (keep-alive)
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.data.push(value);
        break;
      case "event":
        this.eventName = value;
        break;
      case "id":
        if (!value.includes("\0")) this.lastEventId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break; // unknown fields are ignored
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    const name = this.eventName || "message";
    this.eventName = "";
    if (this.data.length === 0) return null;
    const data = this.data.join("\n");
    this.data = [];
    return { id: this.lastEventId, event: name, data };
  }
}

export interface StreamOptions {
  /** fetch that adds the bearer token (Api.fetch). */
  fetch: (request: Request) => Promise<Response>;
  url: string;
  onEvent: (event: SseEvent) => void;
  /** Stop after an event with one of these names (the stream is over). */
  until?: (event: SseEvent) => boolean;
  signal?: AbortSignal;
  lastEventId?: string | null;
  /** Reconnects in a row without a new event before giving up. */
  maxRetries?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export class StreamError extends Error {
  constructor(readonly status: number | null, message: string) {
    super(message);
    this.name = "StreamError";
  }
}

const DEFAULT_RETRY_MS = 2000;

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Read an event stream until `until` says it is over or the signal aborts; reconnect after a dropped
 * connection with Last-Event-ID so no event is lost or repeated. An HTTP error (401 after the retry,
 * 404) ends it with StreamError.
 */
export async function readEventStream(options: StreamOptions): Promise<void> {
  const { signal, until, onEvent } = options;
  const sleep = options.sleep ?? abortableSleep;
  const maxRetries = options.maxRetries ?? 8;
  let lastEventId = options.lastEventId ?? null;
  let retryMs = DEFAULT_RETRY_MS;
  let failures = 0;
  while (!signal?.aborted) {
    const headers: Record<string, string> = { accept: "text/event-stream" };
    if (lastEventId !== null) headers["last-event-id"] = lastEventId;
    let finished = false;
    try {
      const response = await options.fetch(new Request(options.url, { headers, signal, cache: "no-store" }));
      if (!response.ok || !response.body) {
        throw new StreamError(response.status, `event stream answered ${response.status}`);
      }
      const parser = new SseParser();
      parser.lastEventId = lastEventId;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const stop = () => void reader.cancel().catch(() => undefined);
      signal?.addEventListener("abort", stop);
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const event of parser.feed(value)) {
            failures = 0;
            lastEventId = parser.lastEventId;
            onEvent(event);
            if (until?.(event)) {
              finished = true;
              break;
            }
          }
          if (parser.retryMs !== null) retryMs = parser.retryMs;
          if (finished) break;
        }
      } finally {
        signal?.removeEventListener("abort", stop);
        await reader.cancel().catch(() => undefined);
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (error instanceof StreamError && error.status !== null && error.status < 500 && error.status !== 429) {
        throw error;
      }
    }
    if (finished || signal?.aborted) return;
    failures += 1;
    if (failures > maxRetries) throw new StreamError(null, "event stream keeps dropping");
    await sleep(retryMs * Math.min(failures, 4), signal);
  }
}
