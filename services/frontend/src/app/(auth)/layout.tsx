import { ImageIcon } from "lucide-react";
import type { ReactNode } from "react";

import { LanguageSwitch } from "@zimage/web/app-shell/language-switch";

export default function AuthLayout({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col bg-gradient-to-b from-accent/60 to-background">
      <header className="mx-auto flex w-full max-w-5xl items-center justify-between px-4 py-4">
        <span className="inline-flex items-center gap-2 text-lg font-bold tracking-tight">
          <ImageIcon aria-hidden="true" className="size-6 text-primary" />
          zimage
        </span>
        <LanguageSwitch />
      </header>
      <main className="flex flex-1 items-start justify-center px-4 pb-16 pt-6 sm:items-center sm:pt-0">{children}</main>
    </div>
  );
}
