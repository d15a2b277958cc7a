import "pretendard/dist/web/variable/pretendardvariable-dynamic-subset.css";
import "./globals.css";

import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import type { ReactNode } from "react";

import { LOCALE_COOKIE, pickLocale } from "@zimage/web/i18n";
import { Providers } from "@zimage/web/app-shell/providers";

import { messagesFor } from "@/messages";

export const metadata: Metadata = {
  title: { default: "zimage admin", template: "%s · zimage admin" },
  description: "zimage platform administration",
  robots: { index: false, follow: false },
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: ReactNode }) {
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
}
