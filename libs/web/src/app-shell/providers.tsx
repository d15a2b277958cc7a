"use client";

import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";

import { ApiError, ApiProvider, createApi, Session } from "../api";
import type { Locale } from "../i18n";
import { I18nProvider } from "../i18n/provider";
import type { AbstractIntlMessages } from "use-intl";

import { Toasts } from "./toasts";

function makeState() {
  const session = new Session();
  const api = createApi(session, "");
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        // A 4xx will answer the same again; only network trouble and 5xx are worth retrying.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
        refetchOnWindowFocus: false,
      },
    },
  });
  return { session, api, queryClient };
}

export function Providers({
  locale,
  messages,
  children,
}: {
  locale: Locale;
  messages: AbstractIntlMessages;
  children: ReactNode;
}) {
  const [{ session, api, queryClient }] = useState(makeState);

  useEffect(() => {
    void session.refresh(); // who is signed in: the refresh cookie answers
    const onVisible = () => {
      if (document.visibilityState === "visible") void session.refreshIfStale();
    };
    document.addEventListener("visibilitychange", onVisible);
    const unsubscribe = session.store.subscribe((state, previous) => {
      // Nothing of one user's data may stay cached for the next one.
      if (state.status === "signedOut" && previous.status === "signedIn") queryClient.clear();
    });
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      unsubscribe();
    };
  }, [session, queryClient]);

  return (
    <I18nProvider locale={locale} messages={messages}>
      <ApiProvider api={api}>
        <QueryClientProvider client={queryClient}>
          {children}
          <Toasts />
        </QueryClientProvider>
      </ApiProvider>
    </I18nProvider>
  );
}
