"use client";

import { ChevronDown, LogOut, UserRound } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { useTranslations } from "use-intl";

import { useApi, useMe } from "../api";
import { cn } from "../lib/cn";
import { Button } from "../ui/button";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuLabel, DropdownMenuTrigger } from "../ui/dropdown-menu";

import { LanguageSwitch } from "./language-switch";

export interface NavLink {
  href: string;
  label: ReactNode;
}

/** Sign out (on this device, or `everywhere`) and go to the sign-in page. */
export function useSignOut() {
  const { session } = useApi();
  const router = useRouter();
  return async (everywhere = false) => {
    await session.signOut({ everywhere }).catch(() => undefined);
    router.replace("/login");
  };
}

/** The signed-in user's menu: their email, the app's own `before` items, sign out, the app's own `after` items. */
function UserMenu({ before, after }: { before?: ReactNode; after?: ReactNode }) {
  const t = useTranslations("shell");
  const me = useMe();
  const signOut = useSignOut();
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={t("userMenu")}>
          <UserRound aria-hidden="true" />
          <span className="hidden max-w-40 truncate sm:inline">{me.data?.display_name ?? "…"}</span>
          <ChevronDown aria-hidden="true" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuLabel>{me.data?.email}</DropdownMenuLabel>
        {before}
        <DropdownMenuItem onSelect={() => void signOut()}>
          <LogOut aria-hidden="true" />
          {t("logout")}
        </DropdownMenuItem>
        {after}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

// Below this width the menu takes a row of its own under the brand.
const NAV_ROW = { sm: "sm:order-none sm:w-auto", lg: "lg:order-none lg:w-auto" } as const;

/** Both apps' page frame: skip link, sticky header (brand, menu, language, user menu) and the main column. */
export function Shell({
  home,
  brand,
  nav,
  navRow,
  menuBefore,
  menuAfter,
  children,
}: {
  home: string;
  brand: ReactNode;
  nav: readonly NavLink[];
  navRow: keyof typeof NAV_ROW;
  menuBefore?: ReactNode;
  menuAfter?: ReactNode;
  children: ReactNode;
}) {
  const t = useTranslations("shell");
  const pathname = usePathname();
  return (
    <div className="flex min-h-dvh flex-col">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded-md focus:bg-background focus:px-3 focus:py-2"
      >
        {t("skipToContent")}
      </a>
      <header className="sticky top-0 z-40 border-b bg-background/95 backdrop-blur">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-1 px-3 py-2 sm:px-6">
          <Link
            href={home}
            className="inline-flex items-center gap-2 rounded-md text-lg font-bold tracking-tight focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          >
            {brand}
          </Link>
          <nav aria-label={t("mainNav")} className={cn("order-last -mx-1 flex w-full gap-1 overflow-x-auto", NAV_ROW[navRow])}>
            {nav.map((item) => {
              const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
              return (
                <Link
                  key={item.href}
                  href={item.href}
                  aria-current={active ? "page" : undefined}
                  className={cn(
                    "whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium transition-colors hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
                    active ? "bg-accent text-accent-foreground" : "text-muted-foreground",
                  )}
                >
                  {item.label}
                </Link>
              );
            })}
          </nav>
          <div className="ml-auto flex items-center gap-1">
            <LanguageSwitch />
            <UserMenu before={menuBefore} after={menuAfter} />
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-7xl flex-1 px-3 py-5 sm:px-6 sm:py-8">
        {children}
      </main>
    </div>
  );
}
