import "pretendard/dist/web/variable/pretendardvariable-dynamic-subset.css";
import "./globals.css";

import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import type { ReactNode } from "react";

import { LOCALE_COOKIE, pickLocale } from "@zimage/web/i18n";
import { Providers } from "@zimage/web/app-shell/providers";

import { messagesFor } from "@/messages";

export const metadata: Metadata = {
  title: { default: "zimage", template: "%s · zimage" },
  description: "Z-Image-Turbo campaign image generator",
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
