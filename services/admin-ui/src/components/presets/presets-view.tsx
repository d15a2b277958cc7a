"use client";

import { Pencil, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { useLocale, useTranslations } from "use-intl";

import { useDeletePreset, usePresetList, type PresetCategory, type PresetOut } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { ConfirmDialog } from "@zimage/web/ui/confirm-dialog";
import { Label } from "@zimage/web/ui/label";
import { Select } from "@zimage/web/ui/select";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { StateMessage } from "@zimage/web/ui/state";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@zimage/web/ui/tabs";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@zimage/web/ui/table";
import { toast } from "@zimage/web/ui/toaster";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { PageHeader } from "@/components/admin-shell";

import { PRESET_CATEGORIES, PresetEditor } from "./preset-editor";

type Scope = "shared" | "builtin";

export function PresetsView() {
  const t = useTranslations("presets");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const locale = useLocale();
  const [scope, setScope] = useState<Scope>("shared");
  const [category, setCategory] = useState<PresetCategory | "">("");
  const presets = usePresetList({ scope, ...(category ? { category } : {}) });
  const remove = useDeletePreset();
  const [editing, setEditing] = useState<PresetOut | null>(null);
  const [editorOpen, setEditorOpen] = useState(false);
  const [deleting, setDeleting] = useState<PresetOut | null>(null);
  const label = (p: PresetOut) => (locale === "ko" ? p.label_ko : p.label_en);
  const openEditor = (preset: PresetOut | null) => {
    setEditing(preset);
    setEditorOpen(true);
  };

  const confirmDelete = async () => {
    if (!deleting) return;
    try {
      await remove.mutateAsync(deleting.id);
      toast(t("deleted"));
      setDeleting(null);
    } catch {
      // shown in the dialog
    }
  };

  return (
    <>
      <PageHeader title={t("title")} subtitle={t("subtitle")}>
        <div className="grid gap-1.5">
          <Label htmlFor="preset-category">{t("category")}</Label>
          <Select id="preset-category" className="w-36" value={category} onChange={(e) => setCategory(e.target.value as PresetCategory | "")}>
            <option value="">{t("anyCategory")}</option>
            {PRESET_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`categories.${c}`)}
              </option>
            ))}
          </Select>
        </div>
        <Button onClick={() => openEditor(null)}>
          <Plus aria-hidden="true" />
          {t("create")}
        </Button>
      </PageHeader>

      <Tabs value={scope} onValueChange={(value) => setScope(value as Scope)}>
        <TabsList aria-label={t("columns.scope")}>
          <TabsTrigger value="shared">{t("scopes.shared")}</TabsTrigger>
          <TabsTrigger value="builtin">{t("scopes.builtin")}</TabsTrigger>
        </TabsList>
        <TabsContent value={scope}>
          {presets.isPending ? (
            <div className="grid gap-2">
              {Array.from({ length: 5 }, (_, i) => (
                <Skeleton key={i} className="h-12 w-full" />
              ))}
            </div>
          ) : presets.isError ? (
            <QueryError error={presets.error} title={t("loadError")} onRetry={() => void presets.refetch()} />
          ) : presets.data.length === 0 ? (
            <StateMessage
              kind="empty"
              title={t("emptyTitle")}
              description={t("emptyBody")}
              action={
                <Button onClick={() => openEditor(null)}>
                  <Plus aria-hidden="true" />
                  {t("create")}
                </Button>
              }
            />
          ) : (
            <Table caption={t("table")}>
              <TableHeader>
                <TableRow className="hover:bg-transparent">
                  <TableHead>{t("columns.label")}</TableHead>
                  <TableHead>{t("columns.category")}</TableHead>
                  <TableHead>{t("columns.snippet")}</TableHead>
                  <TableHead className="text-right">{t("columns.actions")}</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {presets.data.map((preset) => (
                  <TableRow key={preset.id} data-testid="preset-row">
                    <TableCell className="font-medium">
                      {label(preset)}
                      <span className="block text-xs font-normal text-muted-foreground">{locale === "ko" ? preset.label_en : preset.label_ko}</span>
                    </TableCell>
                    <TableCell>
                      <Badge variant="secondary">{t(`categories.${preset.category}`)}</Badge>
                    </TableCell>
                    <TableCell className="max-w-md font-mono text-xs">{preset.snippet}</TableCell>
                    <TableCell className="text-right">
                      {preset.editable ? (
                        <div className="flex justify-end gap-1">
                          <Button variant="ghost" size="icon-sm" aria-label={t("editLabel", { name: label(preset) })} onClick={() => openEditor(preset)}>
                            <Pencil aria-hidden="true" />
                          </Button>
                          <Button
                            variant="ghost"
                            size="icon-sm"
                            className="text-destructive"
                            aria-label={t("deleteLabel", { name: label(preset) })}
                            onClick={() => {
                              remove.reset();
                              setDeleting(preset);
                            }}
                          >
                            <Trash2 aria-hidden="true" />
                          </Button>
                        </div>
                      ) : (
                        <span className="text-xs text-muted-foreground">{t("readOnly")}</span>
                      )}
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
        </TabsContent>
      </Tabs>

      <PresetEditor preset={editing} open={editorOpen} onOpenChange={setEditorOpen} />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={t("confirmDeleteTitle")}
        description={deleting ? t("confirmDeleteBody", { name: label(deleting) }) : ""}
        confirmLabel={tc("delete")}
        cancelLabel={tc("cancel")}
        destructive
        busy={remove.isPending}
        onConfirm={() => void confirmDelete()}
      >
        {remove.error ? <Alert variant="destructive">{describeError(te, remove.error)}</Alert> : null}
      </ConfirmDialog>
    </>
  );
}
