"use client";

import { ShieldCheck } from "lucide-react";
import type { ReactNode } from "react";
import { useTranslations } from "use-intl";

import { Shell } from "@zimage/web/app-shell/shell";

export const NAV = [
  { href: "/dashboard", key: "dashboard" },
  { href: "/users", key: "users" },
  { href: "/templates", key: "templates" },
  { href: "/presets", key: "presets" },
  { href: "/brand-kits", key: "brandKits" },
  { href: "/audit", key: "audit" },
  { href: "/monitoring", key: "monitoring" },
] as const;

export function AdminShell({ children }: { children: ReactNode }) {
  const t = useTranslations("shell");
  const tb = useTranslations("brandKitsNav");
  const nav = NAV.map((item) => ({ href: item.href, label: item.key === "brandKits" ? tb("label") : t(`nav.${item.key}`) }));
  return (
    <Shell
      home="/dashboard"
      brand={
        <>
          <ShieldCheck aria-hidden="true" className="size-6 text-primary" />
          {t("title")}
        </>
      }
      nav={nav}
      navRow="lg"
    >
      {children}
    </Shell>
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
