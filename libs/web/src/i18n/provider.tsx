"use client";

import type { ReactNode } from "react";
import { IntlProvider, type AbstractIntlMessages } from "use-intl";

import { TIME_ZONE, type Locale } from "./index";

/** use-intl's provider with our time zone and a visible fallback for a missing message. */
export function I18nProvider({
  locale,
  messages,
  children,
}: {
  locale: Locale;
  messages: AbstractIntlMessages;
  children: ReactNode;
}) {
  return (
    <IntlProvider
      locale={locale}
      messages={messages}
      timeZone={TIME_ZONE}
      onError={(error) => {
        if (process.env.NODE_ENV !== "production") console.error(error);
      }}
      getMessageFallback={({ namespace, key }) => [namespace, key].filter(Boolean).join(".")}
    >
      {children}
    </IntlProvider>
  );
}
