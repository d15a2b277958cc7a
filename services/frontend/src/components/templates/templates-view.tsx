"use client";

import { Pencil, Plus, Search, Sparkles, Trash2 } from "lucide-react";
import Link from "next/link";
import { useEffect, useState } from "react";
import { useLocale, useTranslations } from "use-intl";

import { useDeleteTemplate, useSizePresets, useTemplates, type TemplateCategory, type TemplateOut } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle } from "@zimage/web/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@zimage/web/ui/dialog";
import { Input } from "@zimage/web/ui/input";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { StateMessage } from "@zimage/web/ui/state";
import { toast } from "@zimage/web/ui/toaster";
import { QueryError } from "@zimage/web/app-shell/query-state";
import { CATEGORIES, TemplateEditor } from "@zimage/web/app-shell/template-editor";

import { pixels, presetName } from "@/lib/sizes";

export function TemplatesView() {
  const t = useTranslations("templates");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const locale = useLocale();
  const [category, setCategory] = useState<TemplateCategory | null>(null);
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  const templates = useTemplates({ ...(category ? { category } : {}), ...(q ? { q } : {}) });
  const presets = useSizePresets();
  const remove = useDeleteTemplate();
  const [editing, setEditing] = useState<TemplateOut | null>(null);
  const [editorOpen, setEditorOpen] = useState(false);
  const [deleting, setDeleting] = useState<TemplateOut | null>(null);

  useEffect(() => {
    const timer = setTimeout(() => setQ(text.trim()), 300);
    return () => clearTimeout(timer);
  }, [text]);

  const name = (tpl: TemplateOut) => (locale === "ko" ? tpl.name_ko : tpl.name_en);

  return (
    <div className="grid gap-5">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-bold tracking-tight">{t("title")}</h1>
          <p className="text-sm text-muted-foreground">{t("subtitle")}</p>
        </div>
        <Button
          onClick={() => {
            setEditing(null);
            setEditorOpen(true);
          }}
        >
          <Plus aria-hidden="true" />
          {t("create")}
        </Button>
      </div>
      <div className="grid gap-2">
        <div className="relative max-w-md">
          <Search aria-hidden="true" className="pointer-events-none absolute left-3 top-1/2 size-4 -translate-y-1/2 text-muted-foreground" />
          <Input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder={t("searchPlaceholder")} aria-label={t("search")} className="pl-9" />
        </div>
        <div role="group" aria-label={t("categoryFilter")} className="flex flex-wrap gap-1.5">
          {[null, ...CATEGORIES].map((c) => (
            <Button key={c ?? "all"} size="sm" className="rounded-full" variant={category === c ? "default" : "outline"} aria-pressed={category === c} onClick={() => setCategory(c)}>
              {t(`categories.${c ?? "all"}`)}
            </Button>
          ))}
        </div>
      </div>
      {templates.isPending ? (
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} className="h-44" />
          ))}
        </div>
      ) : templates.isError ? (
        <QueryError error={templates.error} title={t("loadError")} onRetry={() => void templates.refetch()} />
      ) : templates.data.length === 0 ? (
        <StateMessage kind="empty" title={t("emptyTitle")} description={category || q ? t("emptyFiltered") : t("emptyBody")} />
      ) : (
        <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3" aria-label={t("list")}>
          {templates.data.map((tpl) => {
            const preset = presets.data?.find((p) => p.id === tpl.default_preset);
            const description = locale === "ko" ? tpl.description_ko : tpl.description_en;
            return (
              <li key={tpl.id}>
                <Card className="flex h-full flex-col" data-testid="template-card">
                  <CardHeader className="gap-2 pb-3">
                    <div className="flex flex-wrap gap-1.5">
                      <Badge variant="secondary">{t(`categories.${tpl.category}`)}</Badge>
                      <Badge variant="outline">{t(`scopes.${tpl.scope}`)}</Badge>
                    </div>
                    <CardTitle className="text-base">{name(tpl)}</CardTitle>
                    {description ? <CardDescription>{description}</CardDescription> : null}
                  </CardHeader>
                  <CardContent className="grid flex-1 content-start gap-2 text-xs text-muted-foreground">
                    <p className="line-clamp-3 font-mono">{tpl.pattern}</p>
                    {tpl.variables.length ? (
                      <p>
                        {t("variables")}: {tpl.variables.map((v) => (locale === "ko" ? v.label_ko : v.label_en)).join(", ")}
                      </p>
                    ) : null}
                    {preset ? (
                      <p>
                        {t("defaultSize")}: {presetName(preset, locale)} ({pixels(preset.width, preset.height)})
                      </p>
                    ) : null}
                  </CardContent>
                  <CardFooter className="flex-wrap">
                    <Button size="sm" asChild>
                      <Link href={`/generate?template=${tpl.id}`} aria-label={t("useNamed", { name: name(tpl) })}>
                        <Sparkles aria-hidden="true" />
                        {t("use")}
                      </Link>
                    </Button>
                    {tpl.editable ? (
                      <>
                        <Button
                          size="sm"
                          variant="outline"
                          aria-label={t("editNamed", { name: name(tpl) })}
                          onClick={() => {
                            setEditing(tpl);
                            setEditorOpen(true);
                          }}
                        >
                          <Pencil aria-hidden="true" />
                          {tc("edit")}
                        </Button>
                        <Button size="sm" variant="ghost" aria-label={t("deleteNamed", { name: name(tpl) })} onClick={() => setDeleting(tpl)}>
                          <Trash2 aria-hidden="true" />
                        </Button>
                      </>
                    ) : null}
                  </CardFooter>
                </Card>
              </li>
            );
          })}
        </ul>
      )}
      <TemplateEditor template={editing} open={editorOpen} onOpenChange={setEditorOpen} />
      <Dialog open={deleting !== null} onOpenChange={(open) => !open && setDeleting(null)}>
        <DialogContent closeLabel={tc("close")}>
          <DialogHeader>
            <DialogTitle>{t("deleteTitle")}</DialogTitle>
            <DialogDescription>{deleting ? t("deleteBody", { name: name(deleting) }) : null}</DialogDescription>
          </DialogHeader>
          <DialogFooter>
            <Button variant="outline" onClick={() => setDeleting(null)}>
              {tc("cancel")}
            </Button>
            <Button
              variant="destructive"
              disabled={remove.isPending}
              onClick={() =>
                deleting &&
                remove.mutate(deleting.id, {
                  onSuccess: () => {
                    toast(t("deleted"));
                    setDeleting(null);
                  },
                  onError: (error) => toast(describeError(te, error), "error"),
                })
              }
            >
              {tc("delete")}
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </div>
  );
}
