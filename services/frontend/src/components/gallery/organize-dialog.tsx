"use client";

import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";

import { useBulkImages, useCreateFolder, useFolders, useTags } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Alert } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@zimage/web/ui/dialog";
import { Field } from "@zimage/web/ui/field";
import { Input } from "@zimage/web/ui/input";
import { Select } from "@zimage/web/ui/select";
import { Spinner } from "@zimage/web/ui/spinner";
import { toast } from "@zimage/web/ui/toaster";

const NEW_FOLDER = "__new__";
const KEEP = "";

export function parseTags(text: string): string[] {
  return [...new Set(text.split(/[,，#\n]/).map((tag) => tag.trim().replace(/\s+/g, " ")).filter(Boolean))];
}

/** Put images into a folder (existing or new) and add tags; used for one result and for a selection. */
export function OrganizeDialog({
  ids,
  open,
  onOpenChange,
  onDone,
}: {
  ids: string[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onDone?: () => void;
}) {
  const t = useTranslations("organize");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const folders = useFolders();
  const tags = useTags();
  const createFolder = useCreateFolder();
  const bulk = useBulkImages();
  const [folder, setFolder] = useState(KEEP);
  const [newFolder, setNewFolder] = useState("");
  const [tagText, setTagText] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [newFolderError, setNewFolderError] = useState<string | undefined>();
  const busy = createFolder.isPending || bulk.isPending;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    if (folder === NEW_FOLDER && !newFolder.trim()) {
      setNewFolderError(t("folderNameRequired"));
      return;
    }
    setNewFolderError(undefined);
    try {
      let folderId: string | null = folder && folder !== NEW_FOLDER ? folder : null;
      if (folder === NEW_FOLDER) folderId = (await createFolder.mutateAsync({ name: newFolder.trim() })).id;
      if (folderId) await bulk.mutateAsync({ action: "move", ids, folder_id: folderId });
      const names = parseTags(tagText);
      if (names.length) await bulk.mutateAsync({ action: "add_tags", ids, tags: names });
      toast(t("done", { count: ids.length }));
      setFolder(KEEP);
      setNewFolder("");
      setTagText("");
      onOpenChange(false);
      onDone?.();
    } catch (caught) {
      setError(caught);
    }
  }

  const suggestions = (tags.data ?? []).filter((tag) => !parseTags(tagText).includes(tag.name)).slice(0, 12);

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent closeLabel={tc("close")}>
        <DialogHeader>
          <DialogTitle>{t("title")}</DialogTitle>
          <DialogDescription>{t("description", { count: ids.length })}</DialogDescription>
        </DialogHeader>
        <form onSubmit={submit} className="grid gap-4">
          {error ? <Alert variant="destructive">{describeError(te, error)}</Alert> : null}
          <Field label={t("folder")}>
            <Select value={folder} onChange={(e) => setFolder(e.target.value)}>
              <option value={KEEP}>{t("keepFolder")}</option>
              {(folders.data ?? []).map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name}
                </option>
              ))}
              <option value={NEW_FOLDER}>{t("newFolderOption")}</option>
            </Select>
          </Field>
          {folder === NEW_FOLDER ? (
            <Field label={t("newFolderName")} error={newFolderError}>
              <Input value={newFolder} onChange={(e) => setNewFolder(e.target.value)} maxLength={100} autoFocus />
            </Field>
          ) : null}
          <Field label={t("tags")} hint={t("tagsHint")}>
            <Input value={tagText} onChange={(e) => setTagText(e.target.value)} placeholder={t("tagsPlaceholder")} />
          </Field>
          {suggestions.length ? (
            <div className="flex flex-wrap gap-1.5" role="group" aria-label={t("existingTags")}>
              {suggestions.map((tag) => (
                <Button
                  key={tag.id}
                  size="sm"
                  variant="outline"
                  className="rounded-full"
                  onClick={() => setTagText((text) => [...parseTags(text), tag.name].join(", "))}
                >
                  #{tag.name}
                </Button>
              ))}
            </div>
          ) : null}
          <DialogFooter>
            <Button variant="outline" onClick={() => onOpenChange(false)}>
              {tc("cancel")}
            </Button>
            <Button type="submit" disabled={busy}>
              {busy ? <Spinner /> : null}
              {t("apply")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
