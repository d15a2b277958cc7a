/** The users table's search, filters and order as the address keeps them (?q=&role=&active=&sort=&order=). */
import type { AdminUserFilters, UserSort } from "@zimage/web/api";

export const USER_SORTS: readonly UserSort[] = [
  "email", "display_name", "role", "is_active", "created_at", "last_login_at", "images_this_month",
];
/** Newest first by default; numbers and dates start high, text starts at A. */
export const DEFAULT_SORT: UserSort = "created_at";
export function firstOrder(sort: UserSort): "asc" | "desc" {
  return sort === "email" || sort === "display_name" || sort === "role" ? "asc" : "desc";
}

export type UserFilterState = Required<Pick<AdminUserFilters, "sort" | "order">> & Pick<AdminUserFilters, "q" | "role" | "active">;

export function parseUserFilters(params: URLSearchParams): UserFilterState {
  const sortParam = params.get("sort") as UserSort | null;
  const sort = sortParam && USER_SORTS.includes(sortParam) ? sortParam : DEFAULT_SORT;
  const orderParam = params.get("order");
  const order = orderParam === "asc" || orderParam === "desc" ? orderParam : firstOrder(sort);
  const role = params.get("role");
  const active = params.get("active");
  const q = params.get("q")?.trim().slice(0, 100);
  return {
    sort,
    order,
    ...(q ? { q } : {}),
    ...(role === "user" || role === "reviewer" || role === "admin" ? { role } : {}),
    ...(active === "true" || active === "false" ? { active: active === "true" } : {}),
  };
}

/** The address for a filter state, dropping defaults so a plain list has a plain URL; other params stay. */
export function userFilterSearch(state: UserFilterState, base: URLSearchParams = new URLSearchParams()): string {
  const search = new URLSearchParams(base.toString());
  for (const key of ["q", "role", "active", "sort", "order"]) search.delete(key);
  if (state.q) search.set("q", state.q);
  if (state.role) search.set("role", state.role);
  if (state.active !== undefined) search.set("active", String(state.active));
  if (state.sort !== DEFAULT_SORT || state.order !== firstOrder(state.sort)) {
    search.set("sort", state.sort);
    search.set("order", state.order);
  }
  return search.toString();
}
