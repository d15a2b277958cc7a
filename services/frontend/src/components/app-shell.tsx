"use client";

import { ImageIcon, MonitorSmartphone, UserRound } from "lucide-react";
import Link from "next/link";
import type { ReactNode } from "react";
import { useTranslations } from "use-intl";

import { useMe } from "@zimage/web/api";
import { Shell, useSignOut } from "@zimage/web/app-shell/shell";
import { DropdownMenuItem, DropdownMenuSeparator } from "@zimage/web/ui/dropdown-menu";

import { isReviewer } from "@/lib/review";

const NAV = [
  { href: "/generate", key: "generate" },
  { href: "/gallery", key: "gallery" },
  { href: "/campaigns", key: "campaigns" },
  { href: "/reviews", key: "reviews" },
  { href: "/templates", key: "templates" },
  { href: "/account", key: "account" },
] as const;

export function AppShell({ children }: { children: ReactNode }) {
  const t = useTranslations("shell");
  const tm = useTranslations("marketingNav");
  const me = useMe();
  const signOut = useSignOut();
  // the review queue is for reviewers and admins; everyone else would only meet its no-permission page
  const nav = NAV.filter((item) => item.key !== "reviews" || isReviewer(me.data?.role)).map((item) => ({
    href: item.href,
    label: item.key === "campaigns" || item.key === "reviews" ? tm(item.key) : t(`nav.${item.key}`),
  }));
  return (
    <Shell
      home="/generate"
      brand={
        <>
          <ImageIcon aria-hidden="true" className="size-6 text-primary" />
          zimage
        </>
      }
      nav={nav}
      navRow="sm"
      menuBefore={
        <>
          <DropdownMenuItem asChild>
            <Link href="/account">
              <UserRound aria-hidden="true" />
              {t("nav.account")}
            </Link>
          </DropdownMenuItem>
          <DropdownMenuSeparator />
        </>
      }
      menuAfter={
        <DropdownMenuItem onSelect={() => void signOut(true)}>
          <MonitorSmartphone aria-hidden="true" />
          {t("logoutEverywhere")}
        </DropdownMenuItem>
      }
    >
      {children}
    </Shell>
  );
}
