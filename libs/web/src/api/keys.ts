/**
 * Every query key in one factory. Keys nest from general to specific, so invalidating a prefix
 * (e.g. `queryKeys.gallery.all`) refreshes every list, count and detail below it.
 */
import type { operations } from "./schema";

export type ImageFilters = NonNullable<operations["gallery_images_list"]["parameters"]["query"]>;
export type TemplateFilters = NonNullable<operations["templates_list"]["parameters"]["query"]>;
export type PresetFilters = NonNullable<operations["presets_list"]["parameters"]["query"]>;
export type AdminUserFilters = NonNullable<operations["admin_users_list"]["parameters"]["query"]>;
export type AuditFilters = NonNullable<operations["admin_audit_list"]["parameters"]["query"]>;
export type StatsParams = NonNullable<operations["admin_stats_get"]["parameters"]["query"]>;

export const queryKeys = {
  me: ["me"] as const,
  usage: ["usage"] as const,
  sizePresets: ["size-presets"] as const,
  promptPresets: ["prompt-presets"] as const,
  promptPresetList: (filters: PresetFilters = {}) => ["prompt-presets", "list", filters] as const,
  templates: {
    all: ["templates"] as const,
    list: (filters: TemplateFilters = {}) => ["templates", "list", filters] as const,
    detail: (id: string) => ["templates", "detail", id] as const,
    preview: (id: string, variables: Record<string, string>) => ["templates", "preview", id, variables] as const,
  },
  tasks: {
    all: ["tasks"] as const,
    list: (params: { status?: string; limit?: number } = {}) => ["tasks", "list", params] as const,
    detail: (id: string) => ["tasks", "detail", id] as const,
  },
  gallery: {
    all: ["gallery"] as const,
    images: (filters: ImageFilters = {}) => ["gallery", "images", filters] as const,
    image: (id: string) => ["gallery", "image", id] as const,
    sidebar: ["gallery", "sidebar"] as const,
    folders: ["gallery", "folders"] as const,
    tags: ["gallery", "tags"] as const,
  },
  /** The admin pages: everything under one prefix, so signing out or an admin action can refresh it all. */
  admin: {
    all: ["admin"] as const,
    users: {
      all: ["admin", "users"] as const,
      list: (filters: AdminUserFilters) => ["admin", "users", "list", filters] as const,
      detail: (id: string) => ["admin", "users", "detail", id] as const,
      byIds: (ids: readonly string[]) => ["admin", "users", "by-ids", [...ids].sort()] as const,
    },
    quota: (userId: string) => ["admin", "quota", userId] as const,
    stats: (params: StatsParams) => ["admin", "stats", params] as const,
    system: ["admin", "system"] as const,
    audit: {
      all: ["admin", "audit"] as const,
      list: (filters: AuditFilters) => ["admin", "audit", "list", filters] as const,
    },
  },
} as const;
