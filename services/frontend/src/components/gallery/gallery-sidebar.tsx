"use client";

import { Check, FileClock, Folder, FolderPlus, Hash, Hourglass, Images, Inbox, Star, XCircle } from "lucide-react";
import { useState, type FormEvent, type ReactNode } from "react";
import { useTranslations } from "use-intl";

import { useCreateFolder, useSidebar, type FolderCount } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Button } from "@zimage/web/ui/button";
import { Input } from "@zimage/web/ui/input";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { cn } from "@zimage/web/lib/cn";

import type { GalleryParams } from "@/lib/gallery-filters";

/** Folders nest one level: each top-level folder followed by its subfolders. */
function nested(folders: readonly FolderCount[]): { folder: FolderCount; depth: number }[] {
  const ids = new Set(folders.map((f) => f.id));
  const top = folders.filter((f) => !f.parent_id || !ids.has(f.parent_id));
  return top.flatMap((parent) => [
    { folder: parent, depth: 0 },
    ...folders.filter((f) => f.parent_id === parent.id).map((folder) => ({ folder, depth: 1 })),
  ]);
}

function Item({
  active,
  icon,
  label,
  count,
  depth = 0,
  onClick,
}: {
  active: boolean;
  icon: ReactNode;
  label: string;
  count: number;
  depth?: number;
  onClick: () => void;
}) {
  return (
    <li>
      <button
        type="button"
        onClick={onClick}
        aria-current={active ? "true" : undefined}
        className={cn(
          "flex w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-sm hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring [&_svg]:size-4 [&_svg]:shrink-0",
          active && "bg-accent font-semibold text-accent-foreground",
          depth > 0 && "pl-7",
        )}
      >
        {icon}
        <span className="min-w-0 flex-1 truncate">{label}</span>
        <span className="tabular-nums text-xs text-muted-foreground">{count}</span>
      </button>
    </li>
  );
}

const CLEAR = { folder: null, tag: null, favorite: false, review: null } as const;

/** Folders, tags and quick filters with their counts. */
export function GallerySidebar({
  params,
  onChange,
}: {
  params: GalleryParams;
  onChange: (patch: Partial<GalleryParams>) => void;
}) {
  const t = useTranslations("gallery");
  const te = useTranslations("errors");
  const sidebar = useSidebar();
  const createFolder = useCreateFolder();
  const [name, setName] = useState("");
  const [adding, setAdding] = useState(false);

  async function addFolder(event: FormEvent) {
    event.preventDefault();
    if (!name.trim()) return;
    const folder = await createFolder.mutateAsync({ name: name.trim() }).catch(() => null);
    if (folder) {
      setName("");
      setAdding(false);
    }
  }

  if (sidebar.isPending) {
    return (
      <div className="grid gap-2" aria-hidden="true">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-7" />
        ))}
      </div>
    );
  }
  if (sidebar.isError) return <p className="text-sm text-destructive">{describeError(te, sidebar.error)}</p>;
  const data = sidebar.data;
  const none = !params.folder && !params.tag && !params.favorite && !params.review;
  return (
    <nav aria-label={t("sidebarLabel")} className="grid gap-4 text-sm">
      <ul className="grid gap-0.5">
        <Item active={none} icon={<Images />} label={t("all")} count={data.total} onClick={() => onChange(CLEAR)} />
        <Item active={params.favorite} icon={<Star />} label={t("favorites")} count={data.favorites} onClick={() => onChange({ ...CLEAR, favorite: true })} />
        <Item active={params.folder === "none"} icon={<Inbox />} label={t("unfiled")} count={data.unfiled} onClick={() => onChange({ ...CLEAR, folder: "none" })} />
        <Item active={params.review === "approved"} icon={<Check />} label={t("review.approved")} count={data.review.approved} onClick={() => onChange({ ...CLEAR, review: "approved" })} />
        <Item active={params.review === "in_review"} icon={<Hourglass />} label={t("review.in_review")} count={data.review.in_review} onClick={() => onChange({ ...CLEAR, review: "in_review" })} />
        <Item active={params.review === "changes_requested"} icon={<XCircle />} label={t("review.changes_requested")} count={data.review.changes_requested} onClick={() => onChange({ ...CLEAR, review: "changes_requested" })} />
        <Item active={params.review === "draft"} icon={<FileClock />} label={t("review.draft")} count={data.review.draft} onClick={() => onChange({ ...CLEAR, review: "draft" })} />
      </ul>
      <div className="grid gap-1">
        <div className="flex items-center justify-between">
          <h2 className="text-xs font-semibold uppercase tracking-wide text-muted-foreground">{t("folders")}</h2>
          <Button variant="ghost" size="icon-sm" aria-label={t("newFolder")} onClick={() => setAdding((v) => !v)}>
            <FolderPlus aria-hidden="true" />
          </Button>
        </div>
        {adding ? (
          <form onSubmit={addFolder} className="flex gap-1">
            <Input
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-label={t("newFolderName")}
              placeholder={t("newFolderName")}
              className="h-8"
              maxLength={100}
              autoFocus
            />
            <Button type="submit" size="sm" disabled={createFolder.isPending}>
              {t("add")}
            </Button>
          </form>
        ) : null}
        {createFolder.isError ? <p className="text-xs text-destructive">{describeError(te, createFolder.error)}</p> : null}
        {data.folders.length === 0 ? (
          <p className="px-2 text-xs text-muted-foreground">{t("noFolders")}</p>
        ) : (
          <ul className="grid gap-0.5">
            {nested(data.folders).map(({ folder, depth }) => (
              <Item
                key={folder.id}
                active={params.folder === folder.id}
                icon={<Folder />}
                label={folder.name}
                count={folder.total_count}
                depth={depth}
                onClick={() => onChange({ ...CLEAR, folder: folder.id })}
              />
            ))}
          </ul>
        )}
      </div>
      <div className="grid gap-1">
        <h2 className="text-xs font-semibold uppercase tracking-wide text-muted-foreground">{t("tags")}</h2>
        {data.tags.length === 0 ? (
          <p className="px-2 text-xs text-muted-foreground">{t("noTags")}</p>
        ) : (
          <ul className="grid gap-0.5">
            {data.tags.map((tag) => (
              <Item
                key={tag.id}
                active={params.tag === tag.id}
                icon={<Hash />}
                label={tag.name}
                count={tag.count}
                onClick={() => onChange({ ...CLEAR, tag: tag.id })}
              />
            ))}
          </ul>
        )}
      </div>
    </nav>
  );
}
