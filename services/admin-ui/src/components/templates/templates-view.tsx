"use client";

import { Pencil, Plus, Trash2 } from "lucide-react";
import { useState } from "react";
import { useFormatter, useLocale, useTranslations } from "use-intl";

import { useDeleteTemplate, useTemplates, type TemplateOut } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { ConfirmDialog } from "@zimage/web/ui/confirm-dialog";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { StateMessage } from "@zimage/web/ui/state";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@zimage/web/ui/tabs";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@zimage/web/ui/table";
import { toast } from "@zimage/web/ui/toaster";
import { QueryError } from "@zimage/web/app-shell/query-state";
import { TemplateEditor } from "@zimage/web/app-shell/template-editor";

import { PageHeader } from "@/components/admin-shell";

type Scope = "shared" | "builtin";

export function TemplatesView() {
  const t = useTranslations("templates");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const locale = useLocale();
  const format = useFormatter();
  const [scope, setScope] = useState<Scope>("shared");
  const templates = useTemplates({ scope });
  const remove = useDeleteTemplate();
  const [editing, setEditing] = useState<TemplateOut | null>(null);
  const [editorOpen, setEditorOpen] = useState(false);
  const [deleting, setDeleting] = useState<TemplateOut | null>(null);
  const name = (tpl: TemplateOut) => (locale === "ko" ? tpl.name_ko : tpl.name_en);

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
        <Button
          onClick={() => {
            setEditing(null);
            setEditorOpen(true);
          }}
        >
          <Plus aria-hidden="true" />
          {t("create")}
        </Button>
      </PageHeader>

      <Tabs value={scope} onValueChange={(value) => setScope(value as Scope)}>
        <TabsList aria-label={t("scope")}>
          <TabsTrigger value="shared">{t("scopes.shared")}</TabsTrigger>
          <TabsTrigger value="builtin">{t("scopes.builtin")}</TabsTrigger>
        </TabsList>
        <TabsContent value={scope}>
          {templates.isPending ? (
            <div className="grid gap-2">
              {Array.from({ length: 5 }, (_, i) => (
                <Skeleton key={i} className="h-12 w-full" />
              ))}
            </div>
          ) : templates.isError ? (
            <QueryError error={templates.error} title={t("loadError")} onRetry={() => void templates.refetch()} />
          ) : templates.data.length === 0 ? (
            <StateMessage
              kind="empty"
              title={t("emptyTitle")}
              description={t("emptyBody")}
              action={
                <Button
                  onClick={() => {
                    setEditing(null);
                    setEditorOpen(true);
                  }}
                >
                  <Plus aria-hidden="true" />
                  {t("create")}
                </Button>
              }
            />
          ) : (
            <>
              {scope === "builtin" ? <p className="mb-3 text-sm text-muted-foreground">{t("readOnly")}</p> : null}
              <Table caption={t("table")}>
                <TableHeader>
                  <TableRow className="hover:bg-transparent">
                    <TableHead>{t("columns.name")}</TableHead>
                    <TableHead>{t("columns.category")}</TableHead>
                    <TableHead>{t("columns.pattern")}</TableHead>
                    <TableHead>{t("columns.variables")}</TableHead>
                    <TableHead>{t("columns.updated")}</TableHead>
                    <TableHead className="text-right">{t("columns.actions")}</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {templates.data.map((tpl) => (
                    <TableRow key={tpl.id} data-testid="template-row">
                      <TableCell className="font-medium">
                        {name(tpl)}
                        <span className="block text-xs font-normal text-muted-foreground">{locale === "ko" ? tpl.name_en : tpl.name_ko}</span>
                      </TableCell>
                      <TableCell>
                        <Badge variant="secondary">{t(`categories.${tpl.category}`)}</Badge>
                      </TableCell>
                      <TableCell className="max-w-md">
                        <p className="line-clamp-2 font-mono text-xs">{tpl.pattern}</p>
                      </TableCell>
                      <TableCell className="text-xs">{tpl.variables.map((v) => v.name).join(", ") || "–"}</TableCell>
                      <TableCell className="whitespace-nowrap text-xs tabular-nums">
                        {format.dateTime(new Date(tpl.updated_at), { dateStyle: "medium" })}
                      </TableCell>
                      <TableCell className="text-right">
                        {tpl.editable ? (
                          <div className="flex justify-end gap-1">
                            <Button
                              variant="ghost"
                              size="icon-sm"
                              aria-label={t("editLabel", { name: name(tpl) })}
                              onClick={() => {
                                setEditing(tpl);
                                setEditorOpen(true);
                              }}
                            >
                              <Pencil aria-hidden="true" />
                            </Button>
                            <Button
                              variant="ghost"
                              size="icon-sm"
                              className="text-destructive"
                              aria-label={t("deleteLabel", { name: name(tpl) })}
                              onClick={() => {
                                remove.reset();
                                setDeleting(tpl);
                              }}
                            >
                              <Trash2 aria-hidden="true" />
                            </Button>
                          </div>
                        ) : (
                          <span className="text-xs text-muted-foreground">{t(`scopes.${tpl.scope}`)}</span>
                        )}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </>
          )}
        </TabsContent>
      </Tabs>

      <TemplateEditor template={editing} open={editorOpen} onOpenChange={setEditorOpen} scope="shared" />
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={t("confirmDeleteTitle")}
        description={deleting ? t("confirmDeleteBody", { name: name(deleting) }) : ""}
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
