import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import type { AbstractIntlMessages } from "use-intl";

import { ApiProvider, createApi, Session } from "../src/api";
import type { Locale } from "../src/i18n";
import { I18nProvider } from "../src/i18n/provider";

/** An app's `renderWithApp`: render inside its providers (its own messages), with `fetch` answering for the API. */
export function appRenderer(messagesFor: (locale: Locale) => AbstractIntlMessages) {
  return function renderWithApp(ui: ReactElement, { fetch, locale = "ko" }: { fetch?: typeof globalThis.fetch; locale?: Locale } = {}) {
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
  };
}
