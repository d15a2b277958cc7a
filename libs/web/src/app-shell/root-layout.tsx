import type { Viewport } from "next";
import { cookies } from "next/headers";
import type { ReactNode } from "react";
import type { AbstractIntlMessages } from "use-intl";

import { LOCALE_COOKIE, pickLocale, type Locale } from "../i18n";

import { Providers } from "./providers";

export const rootViewport: Viewport = { width: "device-width", initialScale: 1 };

/** An app's root layout (a Server Component): the locale from its cookie, the app's messages, the providers. */
export function rootLayout(messagesFor: (locale: Locale) => AbstractIntlMessages) {
  return async function RootLayout({ children }: { children: ReactNode }) {
    const locale = pickLocale((await cookies()).get(LOCALE_COOKIE)?.value);
    return (
      <html lang={locale}>
        <body className="min-h-dvh antialiased">
          <Providers locale={locale} messages={messagesFor(locale)}>
            {children}
          </Providers>
        </body>
      </html>
    );
  };
}
