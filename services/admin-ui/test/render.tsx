import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";

import { ApiProvider, createApi, Session } from "@zimage/web/api";
import { I18nProvider } from "@zimage/web/i18n/provider";

import { messagesFor } from "@/messages";

/** Render inside the app's providers, with `fetch` answering for the API. */
export function renderWithApp(ui: ReactElement, { fetch, locale = "ko" }: { fetch?: typeof globalThis.fetch; locale?: "ko" | "en" } = {}) {
  const fetchImpl = fetch ?? (async () => new Response("{}", { status: 404 }));
  const session = new Session({ baseUrl: "http://test", fetch: fetchImpl });
  session.signIn({ access_token: "token", expires_in: 900 });
  const api = createApi(session, "http://test", fetchImpl);
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const result = render(
    <I18nProvider locale={locale} messages={messagesFor(locale)}>
      <ApiProvider api={api}>
        <QueryClientProvider client={queryClient}>{ui}</QueryClientProvider>
      </ApiProvider>
    </I18nProvider>,
  );
  return { ...result, session };
}
