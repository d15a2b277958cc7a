"use client";

import { ChevronDown, ImageIcon, LogOut, MonitorSmartphone, UserRound } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { useTranslations } from "use-intl";

import { useApi, useMe } from "@zimage/web/api";
import { Button } from "@zimage/web/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@zimage/web/ui/dropdown-menu";
import { cn } from "@zimage/web/lib/cn";
import { LanguageSwitch } from "@zimage/web/app-shell/language-switch";

import { isReviewer } from "@/lib/review";

const NAV = [
  { href: "/generate", key: "generate" },
  { href: "/gallery", key: "gallery" },
  { href: "/campaigns", key: "campaigns" },
  { href: "/reviews", key: "reviews" },
  { href: "/templates", key: "templates" },
  { href: "/account", key: "account" },
] as const;

function UserMenu() {
  const t = useTranslations("shell");
  const { session } = useApi();
  const me = useMe();
  const router = useRouter();
  const signOut = async (everywhere: boolean) => {
    await session.signOut({ everywhere }).catch(() => undefined);
    router.replace("/login");
  };
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="sm" aria-label={t("userMenu")}>
          <UserRound aria-hidden="true" />
          <span className="hidden max-w-32 truncate sm:inline">{me.data?.display_name ?? "…"}</span>
          <ChevronDown aria-hidden="true" />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuLabel>{me.data?.email}</DropdownMenuLabel>
        <DropdownMenuItem asChild>
          <Link href="/account">
            <UserRound aria-hidden="true" />
            {t("nav.account")}
          </Link>
        </DropdownMenuItem>
        <DropdownMenuSeparator />
        <DropdownMenuItem onSelect={() => void signOut(false)}>
          <LogOut aria-hidden="true" />
          {t("logout")}
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => void signOut(true)}>
          <MonitorSmartphone aria-hidden="true" />
          {t("logoutEverywhere")}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

export function AppShell({ children }: { children: ReactNode }) {
  const t = useTranslations("shell");
  const tm = useTranslations("marketingNav");
  const pathname = usePathname();
  const me = useMe();
  // the review queue is for reviewers and admins; everyone else would only meet its no-permission page
  const nav = NAV.filter((item) => item.key !== "reviews" || isReviewer(me.data?.role));
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
          <Link href="/generate" className="inline-flex items-center gap-2 rounded-md text-lg font-bold tracking-tight focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
            <ImageIcon aria-hidden="true" className="size-6 text-primary" />
            zimage
          </Link>
          <nav aria-label={t("mainNav")} className="order-last -mx-1 flex w-full gap-1 overflow-x-auto sm:order-none sm:w-auto">
            {nav.map((item) => {
              const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
              return (
                <Link
                  key={item.href}
                  href={item.href}
                  aria-current={active ? "page" : undefined}
                  className={cn(
                    "rounded-md px-3 py-2 text-sm font-medium transition-colors hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
                    active ? "bg-accent text-accent-foreground" : "text-muted-foreground",
                  )}
                >
                  {item.key === "campaigns" || item.key === "reviews" ? tm(item.key) : t(`nav.${item.key}`)}
                </Link>
              );
            })}
          </nav>
          <div className="ml-auto flex items-center gap-1">
            <LanguageSwitch />
            <UserMenu />
          </div>
        </div>
      </header>
      <main id="main" className="mx-auto w-full max-w-7xl flex-1 px-3 py-5 sm:px-6 sm:py-8">
        {children}
      </main>
    </div>
  );
}
