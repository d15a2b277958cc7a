"use client";

import { useTranslations } from "use-intl";

import type { AdminUserOut } from "@zimage/web/api";
import { Badge } from "@zimage/web/ui/badge";

export function RoleBadge({ role }: { role: AdminUserOut["role"] }) {
  const t = useTranslations("users");
  return <Badge variant={role === "admin" ? "default" : role === "reviewer" ? "outline" : "secondary"}>{t(`roles.${role}`)}</Badge>;
}

export function ActiveBadge({ active }: { active: boolean }) {
  const t = useTranslations("users");
  return <Badge variant={active ? "success" : "warning"}>{t(active ? "states.active" : "states.inactive")}</Badge>;
}
