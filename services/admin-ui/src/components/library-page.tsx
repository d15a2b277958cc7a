"use client";

import type { UseMutationResult, UseQueryResult } from "@tanstack/react-query";
import { Pencil, Plus, Trash2 } from "lucide-react";
import { useState, type ReactNode } from "react";
import { useTranslations } from "use-intl";

import { describeError } from "@zimage/web/i18n";
import { QueryError } from "@zimage/web/app-shell/query-state";
import { Alert } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { ConfirmDialog } from "@zimage/web/ui/confirm-dialog";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { StateMessage } from "@zimage/web/ui/state";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@zimage/web/ui/tabs";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@zimage/web/ui/table";
import { toast } from "@zimage/web/ui/toaster";

import { PageHeader } from "./admin-shell";

export type LibraryScope = "shared" | "builtin";

/**
 * A page of the team's shared library (templates, style presets) in admin-ui: the heading with the page's `filters`
 * and a create button, built-in and shared tabs, the list's loading, error and empty states, a table whose editable
 * rows open the page's `editor` or are deleted (with a confirmation).
 * The words come from the page's messages (`namespace`), which use the same keys.
 */
export function LibraryPage<T extends { id: string; editable: boolean }>({
  scope,
  onScopeChange,
  list,
  remove,
  namespace,
  scopesLabel,
  name,
  columns,
  cells,
  readOnly,
  note,
  rowTestId,
  filters,
  editor,
}: {
  scope: LibraryScope;
  onScopeChange: (scope: LibraryScope) => void;
  list: UseQueryResult<T[]>;
  remove: UseMutationResult<unknown, Error, string>;
  namespace: "presets" | "templates";
  scopesLabel: string;
  name: (item: T) => string;
  columns: ReactNode[];
  cells: (item: T) => ReactNode;
  readOnly: (item: T) => ReactNode;
  note?: ReactNode;
  rowTestId: string;
  filters?: ReactNode;
  editor: (item: T | null, open: boolean, onOpenChange: (open: boolean) => void) => ReactNode;
}) {
  const t = useTranslations(namespace);
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const [deleting, setDeleting] = useState<T | null>(null);
  const [editing, setEditing] = useState<T | null>(null);
  const [editorOpen, setEditorOpen] = useState(false);
  const onEdit = (item: T | null) => {
    setEditing(item);
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
        {filters}
        <Button onClick={() => onEdit(null)}>
          <Plus aria-hidden="true" />
          {t("create")}
        </Button>
      </PageHeader>

      <Tabs value={scope} onValueChange={(value) => onScopeChange(value as LibraryScope)}>
        <TabsList aria-label={scopesLabel}>
          <TabsTrigger value="shared">{t("scopes.shared")}</TabsTrigger>
          <TabsTrigger value="builtin">{t("scopes.builtin")}</TabsTrigger>
        </TabsList>
        <TabsContent value={scope}>
          {list.isPending ? (
            <div className="grid gap-2">
              {Array.from({ length: 5 }, (_, i) => (
                <Skeleton key={i} className="h-12 w-full" />
              ))}
            </div>
          ) : list.isError ? (
            <QueryError error={list.error} title={t("loadError")} onRetry={() => void list.refetch()} />
          ) : list.data.length === 0 ? (
            <StateMessage
              kind="empty"
              title={t("emptyTitle")}
              description={t("emptyBody")}
              action={
                <Button onClick={() => onEdit(null)}>
                  <Plus aria-hidden="true" />
                  {t("create")}
                </Button>
              }
            />
          ) : (
            <>
              {note}
              <Table caption={t("table")}>
                <TableHeader>
                  <TableRow className="hover:bg-transparent">
                    {columns.map((column, i) => (
                      <TableHead key={i}>{column}</TableHead>
                    ))}
                    <TableHead className="text-right">{t("columns.actions")}</TableHead>
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {list.data.map((item) => (
                    <TableRow key={item.id} data-testid={rowTestId}>
                      {cells(item)}
                      <TableCell className="text-right">
                        {item.editable ? (
                          <div className="flex justify-end gap-1">
                            <Button variant="ghost" size="icon-sm" aria-label={t("editLabel", { name: name(item) })} onClick={() => onEdit(item)}>
                              <Pencil aria-hidden="true" />
                            </Button>
                            <Button
                              variant="ghost"
                              size="icon-sm"
                              className="text-destructive"
                              aria-label={t("deleteLabel", { name: name(item) })}
                              onClick={() => {
                                remove.reset();
                                setDeleting(item);
                              }}
                            >
                              <Trash2 aria-hidden="true" />
                            </Button>
                          </div>
                        ) : (
                          <span className="text-xs text-muted-foreground">{readOnly(item)}</span>
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

      {editor(editing, editorOpen, setEditorOpen)}
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
