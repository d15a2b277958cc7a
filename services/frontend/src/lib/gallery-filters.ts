/** Gallery filters live in the URL (shareable, Back works); this maps them to the API's query. */
import type { ImageFilters } from "@zimage/web/api";

export const REVIEW_STATUSES = ["draft", "in_review", "approved", "changes_requested"] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export interface GalleryParams {
  folder: string | null;
  tag: string | null;
  favorite: boolean;
  review: ReviewStatus | null;
  template: string | null;
  from: string | null;
  to: string | null;
  preset: string | null;
  q: string;
  sort: "newest" | "oldest";
}

export function readParams(params: URLSearchParams): GalleryParams {
  const review = params.get("review");
  return {
    folder: params.get("folder"),
    tag: params.get("tag"),
    favorite: params.get("favorite") === "1",
    review: (REVIEW_STATUSES as readonly string[]).includes(review ?? "") ? (review as ReviewStatus) : null,
    template: params.get("template"),
    from: params.get("from"),
    to: params.get("to"),
    preset: params.get("preset"),
    q: params.get("q") ?? "",
    sort: params.get("sort") === "oldest" ? "oldest" : "newest",
  };
}

/** The URL query for these filters (defaults left out). */
export function writeParams(p: GalleryParams): string {
  const out = new URLSearchParams();
  if (p.folder) out.set("folder", p.folder);
  if (p.tag) out.set("tag", p.tag);
  if (p.favorite) out.set("favorite", "1");
  if (p.review) out.set("review", p.review);
  if (p.template) out.set("template", p.template);
  if (p.from) out.set("from", p.from);
  if (p.to) out.set("to", p.to);
  if (p.preset) out.set("preset", p.preset);
  if (p.q.trim()) out.set("q", p.q.trim());
  if (p.sort !== "newest") out.set("sort", p.sort);
  return out.toString();
}

/** A local calendar day's start as an absolute time (the API takes zone-aware times). */
function localDayStart(day: string, plusDays = 0): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return undefined;
  const date = new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + plusDays);
  return date.toISOString();
}

export function toApiFilters(p: GalleryParams): ImageFilters {
  const filters: ImageFilters = { sort: p.sort };
  if (p.folder) filters.folder = p.folder;
  if (p.tag) filters.tag = [p.tag];
  if (p.favorite) filters.favorite = true;
  if (p.review) filters.review_status = p.review;
  if (p.template) filters.template = p.template;
  const from = p.from ? localDayStart(p.from) : undefined;
  const to = p.to ? localDayStart(p.to, 1) : undefined; // the "to" day is included
  if (from) filters.created_from = from;
  if (to) filters.created_to = to;
  if (p.preset) filters.preset = p.preset;
  if (p.q.trim()) filters.q = p.q.trim();
  return filters;
}

export function hasFilters(p: GalleryParams): boolean {
  return writeParams({ ...p, sort: "newest" }) !== "";
}
