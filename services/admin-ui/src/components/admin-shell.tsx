"use client";

import { ChevronDown, LogOut, ShieldCheck, UserRound } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import type { ReactNode } from "react";
import { useTranslations } from "use-intl";

import { useApi, useMe } from "@zimage/web/api";
import { cn } from "@zimage/web/lib/cn";
import { Button } from "@zimage/web/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuTrigger,
} from "@zimage/web/ui/dropdown-menu";
import { LanguageSwitch } from "@zimage/web/app-shell/language-switch";

export const NAV = [
  { href: "/dashboard", key: "dashboard" },
  { href: "/users", key: "users" },
  { href: "/templates", key: "templates" },
  { href: "/presets", key: "presets" },
  { href: "/brand-kits", key: "brandKits" },
  { href: "/audit", key: "audit" },
  { href: "/monitoring", key: "monitoring" },
] as const;

function UserMenu() {
  const t = useTranslations("shell");
  const { session } = useApi();
  const me = useMe();
  const router = useRouter();
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
        <DropdownMenuItem
          onSelect={async () => {
            await session.signOut().catch(() => undefined);
            router.replace("/login");
          }}
        >
          <LogOut aria-hidden="true" />
          {t("logout")}
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}

export function AdminShell({ children }: { children: ReactNode }) {
  const t = useTranslations("shell");
  const tb = useTranslations("brandKitsNav");
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
            href="/dashboard"
            className="inline-flex items-center gap-2 rounded-md text-lg font-bold tracking-tight focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
          >
            <ShieldCheck aria-hidden="true" className="size-6 text-primary" />
            {t("title")}
          </Link>
          <nav aria-label={t("mainNav")} className="order-last -mx-1 flex w-full gap-1 overflow-x-auto lg:order-none lg:w-auto">
            {NAV.map((item) => {
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
                  {item.key === "brandKits" ? tb("label") : t(`nav.${item.key}`)}
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

/** A page's heading row: title, one line of what it is for, and the page's own controls on the right. */
export function PageHeader({ title, subtitle, children }: { title: ReactNode; subtitle?: ReactNode; children?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <div className="space-y-1">
        <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
        {subtitle ? <p className="text-sm text-muted-foreground">{subtitle}</p> : null}
      </div>
      {children ? <div className="flex flex-wrap items-end gap-2">{children}</div> : null}
    </div>
  );
}
