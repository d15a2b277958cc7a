"use client";

import { Plus } from "lucide-react";
import { useState } from "react";
import { useTranslations } from "use-intl";

import { useBrandKits } from "@zimage/web/api";
import { Button } from "@zimage/web/ui/button";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { StateMessage } from "@zimage/web/ui/state";
import { cn } from "@zimage/web/lib/cn";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { PageHeader } from "@/components/admin-shell";

import { BrandKitEditor } from "./brand-kit-editor";

/** The workspace's brand kits: a list, and the chosen kit's editor (or a new one). */
export function BrandKitsView() {
  const t = useTranslations("brandKits");
  const kits = useBrandKits();
  // null: nothing chosen yet; "new": the create form
  const [selected, setSelected] = useState<string | null>(null);
  const current = selected === "new" ? null : (kits.data?.find((k) => k.id === selected) ?? kits.data?.[0] ?? null);
  const creating = selected === "new" || (kits.data?.length === 0 && selected === null);

  return (
    <>
      <PageHeader title={t("title")} subtitle={t("subtitle")}>
        <Button onClick={() => setSelected("new")}>
          <Plus aria-hidden="true" />
          {t("create")}
        </Button>
      </PageHeader>
      {kits.isPending ? (
        <div className="grid gap-4 md:grid-cols-[16rem_minmax(0,1fr)]">
          <Skeleton className="h-64" />
          <Skeleton className="h-96" />
        </div>
      ) : kits.isError ? (
        <QueryError error={kits.error} title={t("loadError")} onRetry={() => void kits.refetch()} />
      ) : (
        <div className="grid gap-4 md:grid-cols-[16rem_minmax(0,1fr)]">
          <nav aria-label={t("list")}>
            {kits.data.length === 0 ? (
              <StateMessage kind="empty" title={t("emptyTitle")} description={t("emptyBody")} className="py-8" />
            ) : (
              <ul className="grid gap-1" data-testid="brand-kit-list">
                {kits.data.map((kit) => {
                  const active = !creating && current?.id === kit.id;
                  return (
                    <li key={kit.id}>
                      <button
                        type="button"
                        aria-current={active ? "true" : undefined}
                        onClick={() => setSelected(kit.id)}
                        className={cn(
                          "grid w-full gap-1.5 rounded-md border px-3 py-2 text-left text-sm transition-colors hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring",
                          active && "border-primary bg-accent",
                        )}
                      >
                        <span className="font-medium">{kit.name}</span>
                        <span className="flex gap-1" aria-hidden="true">
                          {kit.colours.map((c) => (
                            <span key={c.role} className="size-4 rounded-sm border" style={{ backgroundColor: c.hex }} />
                          ))}
                        </span>
                        <span className="text-xs text-muted-foreground">{t("assets", { fonts: kit.fonts.length, logos: kit.logos.length })}</span>
                      </button>
                    </li>
                  );
                })}
              </ul>
            )}
          </nav>
          <BrandKitEditor
            key={creating ? "new" : current?.id}
            kit={creating ? null : current}
            onCreated={(id) => setSelected(id)}
            onDeleted={() => setSelected(null)}
          />
        </div>
      )}
    </>
  );
}
