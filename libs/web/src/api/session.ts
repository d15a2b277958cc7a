/**
 * The browser session: the access token lives only in memory (a zustand store); the refresh token is
 * an httpOnly cookie the browser sends to /api/v1/auth/* and this code never sees. A silent refresh
 * runs on start and shortly before the access token expires.
 */
import { createStore, type StoreApi } from "zustand/vanilla";

export type SessionStatus = "unknown" | "signedIn" | "signedOut";

export interface SessionState {
  status: SessionStatus;
  accessToken: string | null;
  /** Epoch milliseconds when the access token expires. */
  expiresAt: number | null;
}

export interface IssuedTokens {
  access_token: string;
  expires_in: number;
}

const REFRESH_PATH = "/api/v1/auth/refresh";
const LOGOUT_PATH = "/api/v1/auth/logout";
const CHANNEL = "zimage-session";
const LOCK = "zimage-refresh";
/** Refresh this long before expiry at the latest, so a slow network never sends an expired token. */
export const REFRESH_MARGIN_S = 60;
const MIN_DELAY_S = 5;

/** When to refresh a token that lives `expiresInSeconds`: at 80 % of its life, ≥ 60 s before it ends. */
export function refreshDelayMs(expiresInSeconds: number): number {
  const seconds = Math.min(expiresInSeconds * 0.8, expiresInSeconds - REFRESH_MARGIN_S);
  return Math.max(MIN_DELAY_S, seconds) * 1000;
}

export interface SessionOptions {
  baseUrl?: string;
  fetch?: typeof fetch;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

export class Session {
  readonly store: StoreApi<SessionState>;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private timer: unknown = null;
  private inFlight: Promise<boolean> | null = null;
  private channel: BroadcastChannel | null = null;

  constructor(options: SessionOptions = {}) {
    this.baseUrl = options.baseUrl ?? "";
    this.fetchImpl = options.fetch ?? ((...args) => fetch(...args));
    this.now = options.now ?? Date.now;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.store = createStore<SessionState>(() => ({ status: "unknown", accessToken: null, expiresAt: null }));
    // Browsers only: the app also renders once on the server, where a channel would outlive the request.
    if (typeof window !== "undefined" && typeof BroadcastChannel !== "undefined") {
      this.channel = new BroadcastChannel(CHANNEL);
      // Another tab signed out: this one is signed out too (its refresh cookie is gone).
      this.channel.onmessage = (event) => {
        if (event.data === "signedOut") this.clear();
      };
    }
  }

  get accessToken(): string | null {
    return this.store.getState().accessToken;
  }

  /** Tokens from login or refresh: keep the access token, plan the next refresh. */
  signIn(tokens: IssuedTokens): void {
    this.store.setState({
      status: "signedIn",
      accessToken: tokens.access_token,
      expiresAt: this.now() + tokens.expires_in * 1000,
    });
    this.schedule(refreshDelayMs(tokens.expires_in));
  }

  /** Exchange the refresh cookie for a new access token; concurrent callers share one request. */
  refresh(): Promise<boolean> {
    if (!this.inFlight) {
      this.inFlight = this.withTabLock(() => this.doRefresh()).finally(() => {
        this.inFlight = null;
      });
    }
    return this.inFlight;
  }

  /** Refresh now if the token is gone or about to expire (timers sleep in background tabs). */
  refreshIfStale(): Promise<boolean> | null {
    const { status, expiresAt } = this.store.getState();
    if (status !== "signedIn" || expiresAt === null) return null;
    return expiresAt - this.now() < REFRESH_MARGIN_S * 1000 ? this.refresh() : null;
  }

  async signOut(options: { everywhere?: boolean } = {}): Promise<void> {
    const token = this.accessToken;
    try {
      await this.fetchImpl(`${this.baseUrl}${LOGOUT_PATH}`, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "content-type": "application/json",
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify({ all: Boolean(options.everywhere) }),
      });
    } finally {
      this.clear();
      this.channel?.postMessage("signedOut");
    }
  }

  /** Forget the session locally (a refresh failed, or another tab signed out). */
  clear(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.store.setState({ status: "signedOut", accessToken: null, expiresAt: null });
  }

  dispose(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.channel?.close();
  }

  private schedule(ms: number): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = this.setTimer(() => {
      this.timer = null;
      void this.refresh();
    }, ms);
  }

  private async doRefresh(): Promise<boolean> {
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.baseUrl}${REFRESH_PATH}`, {
        method: "POST",
        credentials: "same-origin",
      });
    } catch {
      // Offline: keep what we have and try again soon; an expired token will answer 401 meanwhile.
      if (this.store.getState().status === "signedIn") this.schedule(MIN_DELAY_S * 1000);
      else this.clear();
      return false;
    }
    if (!response.ok) {
      this.clear();
      return false;
    }
    this.signIn((await response.json()) as IssuedTokens);
    return true;
  }

  /** Tabs share one refresh cookie; rotating it from two tabs at once would look like token reuse. */
  private withTabLock<T>(fn: () => Promise<T>): Promise<T> {
    const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
    return locks ? (locks.request(LOCK, fn) as Promise<T>) : fn();
  }
}
