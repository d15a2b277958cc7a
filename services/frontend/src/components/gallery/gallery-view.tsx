"use client";

import { CheckSquare, Download, FolderPlus, SlidersHorizontal, Star, Trash2, X } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTranslations } from "use-intl";

import { downloadZip, useApi, useBulkImages, useGalleryImages, useSidebar, type ImageOut } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Button } from "@zimage/web/ui/button";
import { Checkbox } from "@zimage/web/ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@zimage/web/ui/dialog";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { Spinner } from "@zimage/web/ui/spinner";
import { StateMessage } from "@zimage/web/ui/state";
import { toast } from "@zimage/web/ui/toaster";
import { cn } from "@zimage/web/lib/cn";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { hasFilters, readParams, toApiFilters, writeParams, type GalleryParams } from "@/lib/gallery-filters";
import { pixels } from "@/lib/sizes";

import { ReviewBadge } from "@/components/review/review-panel";

import { FilterBar } from "./filter-bar";
import { GallerySidebar } from "./gallery-sidebar";
import { ImageDetail } from "./image-detail";
import { OrganizeDialog } from "./organize-dialog";

function Tile({
  image,
  selected,
  onToggle,
  onOpen,
}: {
  image: ImageOut;
  selected: boolean;
  onToggle: () => void;
  onOpen: () => void;
}) {
  const t = useTranslations("gallery");
  return (
    <li className={cn("group relative overflow-hidden rounded-md border bg-muted", selected && "ring-2 ring-primary")} data-testid="gallery-tile" data-image-id={image.id}>
      <button
        type="button"
        onClick={onOpen}
        className="block aspect-square w-full focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-ring"
        aria-label={t("open", { prompt: image.prompt.slice(0, 60), size: pixels(image.width, image.height) })}
      >
        {/* eslint-disable-next-line @next/next/no-img-element -- signed, expiring URL */}
        <img src={image.thumbnail_url} alt="" loading="lazy" className="size-full object-cover" />
      </button>
      <div className="absolute left-2 top-2">
        <Checkbox
          checked={selected}
          onCheckedChange={onToggle}
          aria-label={t("select", { prompt: image.prompt.slice(0, 40) })}
          className={cn("bg-background/90 opacity-100 sm:opacity-0 sm:group-hover:opacity-100 sm:focus-visible:opacity-100", selected && "sm:opacity-100")}
        />
      </div>
      {image.favorite ? (
        <Star aria-label={t("favorites")} className="absolute right-2 top-2 size-5 fill-amber-400 text-amber-500 drop-shadow" />
      ) : null}
      {image.review_status !== "draft" ? <ReviewBadge status={image.review_status} className="pointer-events-none absolute bottom-1 left-1 px-1.5 text-[10px]" /> : null}
      <span className="pointer-events-none absolute bottom-1 right-1 rounded bg-black/60 px-1.5 py-0.5 text-[10px] tabular-nums text-white">
        {pixels(image.width, image.height)}
      </span>
    </li>
  );
}

export function GalleryView() {
  const t = useTranslations("gallery");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const router = useRouter();
  const pathname = usePathname();
  const search = useSearchParams();
  const params = useMemo(() => readParams(new URLSearchParams(search.toString())), [search]);
  const filters = useMemo(() => toApiFilters(params), [params]);
  const images = useGalleryImages(filters);
  const sidebar = useSidebar();
  const bulk = useBulkImages();
  const api = useApi();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [openId, setOpenId] = useState<string | null>(null);
  const [organizing, setOrganizing] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [zipping, setZipping] = useState(false);
  const [showSidebar, setShowSidebar] = useState(false);
  const sentinel = useRef<HTMLDivElement>(null);

  const list = useMemo(() => images.data?.pages.flatMap((page) => page.items) ?? [], [images.data]);
  const openIndex = openId ? list.findIndex((image) => image.id === openId) : -1;

  const setParams = useCallback(
    (patch: Partial<GalleryParams>) => {
      const query = writeParams({ ...readParams(new URLSearchParams(window.location.search)), ...patch });
      router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
      setSelected(new Set());
    },
    [router, pathname],
  );

  // Infinite scroll: the next page loads when the end of the grid comes into view.
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = images;
  useEffect(() => {
    const node = sentinel.current;
    if (!node || !hasNextPage) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !isFetchingNextPage) void fetchNextPage();
    }, { rootMargin: "600px" });
    observer.observe(node);
    return () => observer.disconnect();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage, list.length]);

  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const ids = [...selected];

  const folderName = (id: string | null) => (id ? sidebar.data?.folders.find((f) => f.id === id)?.name ?? null : null);

  async function zip() {
    setZipping(true);
    try {
      await downloadZip(api, ids);
    } catch (error) {
      toast(describeError(te, error), "error");
    } finally {
      setZipping(false);
    }
  }

  const runBulk = (body: Parameters<typeof bulk.mutate>[0], done: string) =>
    bulk.mutate(body, {
      onSuccess: () => {
        toast(done);
        setSelected(new Set());
        setConfirmDelete(false);
      },
      onError: (error) => toast(describeError(te, error), "error"),
    });

  return (
    <div className="grid gap-6 md:grid-cols-[15rem_minmax(0,1fr)]">
      <aside className={cn("md:block", showSidebar ? "block" : "hidden")} id="gallery-sidebar">
        <GallerySidebar params={params} onChange={setParams} />
      </aside>
      <section aria-labelledby="gallery-title" className="grid content-start gap-4">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h1 id="gallery-title" className="text-2xl font-bold tracking-tight">
            {t("title")}
          </h1>
          <Button
            variant="outline"
            size="sm"
            className="md:hidden"
            aria-expanded={showSidebar}
            aria-controls="gallery-sidebar"
            onClick={() => setShowSidebar((v) => !v)}
          >
            <SlidersHorizontal aria-hidden="true" />
            {t("foldersAndTags")}
          </Button>
        </div>
        <FilterBar params={params} onChange={setParams} onReset={() => router.replace(pathname)} />

        {selected.size > 0 ? (
          <div role="toolbar" aria-label={t("bulkToolbar")} className="sticky top-16 z-30 flex flex-wrap items-center gap-2 rounded-md border bg-background/95 p-2 shadow-sm backdrop-blur" data-testid="bulk-bar">
            <span className="px-1 text-sm font-medium" aria-live="polite">
              {t("selectedCount", { count: selected.size })}
            </span>
            <Button size="sm" variant="outline" onClick={() => setSelected(new Set(list.map((i) => i.id)))}>
              <CheckSquare aria-hidden="true" />
              {t("selectAll")}
            </Button>
            <Button size="sm" variant="outline" onClick={() => setOrganizing(true)}>
              <FolderPlus aria-hidden="true" />
              {t("moveAndTag")}
            </Button>
            <Button size="sm" variant="outline" onClick={() => runBulk({ action: "favorite", ids, favorite: true }, t("bulkFavorited", { count: ids.length }))}>
              <Star aria-hidden="true" />
              {t("favorite")}
            </Button>
            <Button size="sm" variant="outline" onClick={() => void zip()} disabled={zipping}>
              {zipping ? <Spinner /> : <Download aria-hidden="true" />}
              {t("zip")}
            </Button>
            <Button size="sm" variant="destructive" onClick={() => setConfirmDelete(true)}>
              <Trash2 aria-hidden="true" />
              {tc("delete")}
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setSelected(new Set())}>
              <X aria-hidden="true" />
              {t("clearSelection")}
            </Button>
          </div>
        ) : null}

        {images.isPending ? (
          <ul className="grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5" aria-busy="true" aria-label={tc("loading")}>
            {Array.from({ length: 10 }, (_, i) => (
              <li key={i}>
                <Skeleton className="aspect-square" />
              </li>
            ))}
          </ul>
        ) : images.isError ? (
          <QueryError error={images.error} title={t("loadError")} onRetry={() => void images.refetch()} />
        ) : list.length === 0 ? (
          hasFilters(params) ? (
            <StateMessage kind="empty" title={t("noMatchTitle")} description={t("noMatchBody")} action={<Button variant="outline" onClick={() => router.replace(pathname)}>{t("resetFilters")}</Button>} />
          ) : (
            <StateMessage kind="empty" title={t("emptyTitle")} description={t("emptyBody")} action={<Button onClick={() => router.push("/generate")}>{t("goGenerate")}</Button>} />
          )
        ) : (
          <>
            <ul className="grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-4 xl:grid-cols-5" aria-label={t("grid")}>
              {list.map((image) => (
                <Tile key={image.id} image={image} selected={selected.has(image.id)} onToggle={() => toggle(image.id)} onOpen={() => setOpenId(image.id)} />
              ))}
            </ul>
            <div ref={sentinel} className="flex justify-center py-4">
              {images.hasNextPage ? (
                <Button variant="outline" onClick={() => void images.fetchNextPage()} disabled={images.isFetchingNextPage}>
                  {images.isFetchingNextPage ? <Spinner /> : null}
                  {t("loadMore")}
                </Button>
              ) : (
                <p className="text-xs text-muted-foreground">{t("end", { count: list.length })}</p>
              )}
            </div>
          </>
        )}
      </section>

      <ImageDetail
        image={openIndex >= 0 ? (list[openIndex] ?? null) : null}
        folderName={folderName}
        onClose={() => setOpenId(null)}
        onPrev={openIndex > 0 ? () => setOpenId(list[openIndex - 1]?.id ?? null) : null}
        onNext={
          openIndex >= 0 && openIndex < list.length - 1
            ? () => setOpenId(list[openIndex + 1]?.id ?? null)
            : images.hasNextPage && openIndex >= 0
              ? () => void images.fetchNextPage()
              : null
        }
      />
      <OrganizeDialog ids={ids} open={organizing} onOpenChange={setOrganizing} onDone={() => setSelected(new Set())} />
      <Dialog open={confirmDelete} onOpenChange={setConfirmDelete}>
        <DialogContent closeLabel={tc("close")}>
          <DialogHeader>
            <DialogTitle>{t("bulkDeleteTitle", { count: ids.length })}</DialogTitle>
            <DialogDescription>{t("bulkDeleteBody")}</DialogDescription>
          </DialogHeader>
          <DialogFooter>
            <Button variant="outline" onClick={() => setConfirmDelete(false)}>
              {tc("cancel")}
            </Button>
            <Button variant="destructive" disabled={bulk.isPending} onClick={() => runBulk({ action: "delete", ids }, t("bulkDeleted", { count: ids.length }))}>
              {tc("delete")}
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </div>
  );
}
