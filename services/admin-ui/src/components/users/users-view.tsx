"use client";

import { Search } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { useFormatter, useLocale, useNow, useTranslations } from "use-intl";

import { ADMIN_USERS_PAGE_SIZE, useAdminUsers, type UserSort } from "@zimage/web/api";
import { formatInteger } from "@zimage/web/lib/format";
import { Input } from "@zimage/web/ui/input";
import { Label } from "@zimage/web/ui/label";
import { Pager } from "@zimage/web/ui/pager";
import { Select } from "@zimage/web/ui/select";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { StateMessage } from "@zimage/web/ui/state";
import { SortableHead, Table, TableBody, TableCell, TableHeader, TableRow } from "@zimage/web/ui/table";
import { QueryError } from "@zimage/web/app-shell/query-state";

import { PageHeader } from "@/components/admin-shell";
import { firstOrder, parseUserFilters, userFilterSearch, type UserFilterState } from "@/lib/user-filters";

import { ActiveBadge, RoleBadge } from "./badges";
import { UserDrawer } from "./user-drawer";

const COLUMNS: UserSort[] = ["email", "display_name", "role", "is_active", "created_at", "last_login_at", "images_this_month"];

export function UsersView() {
  const t = useTranslations("users");
  const locale = useLocale();
  const format = useFormatter();
  const now = useNow({ updateInterval: 30_000 });
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const filters = useMemo(() => parseUserFilters(new URLSearchParams(params.toString())), [params]);
  const openId = params.get("user");
  const [search, setSearch] = useState(filters.q ?? "");
  // cursors of the pages before this one; reset whenever the filters change
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const filterKey = JSON.stringify(filters);
  useEffect(() => setCursors([null]), [filterKey]);

  const go = (state: UserFilterState, extra?: (search: URLSearchParams) => void) => {
    const search = new URLSearchParams(userFilterSearch(state, new URLSearchParams(params.toString())));
    extra?.(search);
    const query = search.toString();
    router.replace(query ? `${pathname}?${query}` : pathname, { scroll: false });
  };
  // typing waits a moment before it searches
  useEffect(() => {
    const q = search.trim();
    if (q === (filters.q ?? "")) return;
    const timer = setTimeout(() => go({ ...filters, q: q || undefined }), 300);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  const users = useAdminUsers({ ...filters, cursor });
  const page = users.data;
  const setOpen = (id: string | null) =>
    go(filters, (search) => {
      if (id) search.set("user", id);
      else search.delete("user");
    });
  const first = (cursors.length - 1) * ADMIN_USERS_PAGE_SIZE + 1;

  return (
    <>
      <PageHeader title={t("title")} subtitle={t("subtitle")} />
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <div className="grid min-w-56 flex-1 gap-1.5 sm:max-w-sm">
          <Label htmlFor="user-search">{t("search")}</Label>
          <div className="relative">
            <Search aria-hidden="true" className="pointer-events-none absolute left-3 top-3 size-4 text-muted-foreground" />
            <Input
              id="user-search"
              type="search"
              className="pl-9"
              placeholder={t("searchPlaceholder")}
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          </div>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="user-role">{t("role")}</Label>
          <Select
            id="user-role"
            className="w-36"
            value={filters.role ?? ""}
            onChange={(e) => go({ ...filters, role: (e.target.value || undefined) as UserFilterState["role"] })}
          >
            <option value="">{t("any")}</option>
            <option value="user">{t("roles.user")}</option>
            <option value="reviewer">{t("roles.reviewer")}</option>
            <option value="admin">{t("roles.admin")}</option>
          </Select>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor="user-status">{t("status")}</Label>
          <Select
            id="user-status"
            className="w-36"
            value={filters.active === undefined ? "" : String(filters.active)}
            onChange={(e) => go({ ...filters, active: e.target.value === "" ? undefined : e.target.value === "true" })}
          >
            <option value="">{t("any")}</option>
            <option value="true">{t("states.active")}</option>
            <option value="false">{t("states.inactive")}</option>
          </Select>
        </div>
      </div>

      {users.isError && !page ? (
        <QueryError error={users.error} title={t("loadError")} onRetry={() => void users.refetch()} />
      ) : page && page.items.length === 0 ? (
        <StateMessage kind="empty" title={t("emptyTitle")} description={t("emptyBody")} />
      ) : (
        <>
          <Table caption={t("table")} aria-busy={users.isFetching} data-testid="users-table">
            <TableHeader>
              <TableRow className="hover:bg-transparent">
                {COLUMNS.map((column) => (
                  <SortableHead
                    key={column}
                    active={filters.sort === column}
                    order={filters.order}
                    firstOrder={firstOrder(column)}
                    onSort={(order) => go({ ...filters, sort: column, order })}
                    className={column === "images_this_month" ? "text-right" : undefined}
                  >
                    {t(`columns.${column}`)}
                  </SortableHead>
                ))}
              </TableRow>
            </TableHeader>
            <TableBody>
              {!page
                ? Array.from({ length: 6 }, (_, i) => (
                    <TableRow key={i}>
                      {COLUMNS.map((c) => (
                        <TableCell key={c}>
                          <Skeleton className="h-4 w-full max-w-32" />
                        </TableCell>
                      ))}
                    </TableRow>
                  ))
                : page.items.map((user) => (
                    <TableRow
                      key={user.id}
                      data-testid="user-row"
                      data-user-id={user.id}
                      data-state={openId === user.id ? "selected" : undefined}
                      className="cursor-pointer"
                      onClick={() => setOpen(user.id)}
                    >
                      <TableCell className="font-medium">
                        <button
                          type="button"
                          className="rounded-sm text-left text-primary underline-offset-4 hover:underline focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                          onClick={(e) => {
                            e.stopPropagation();
                            setOpen(user.id);
                          }}
                        >
                          {user.email}
                        </button>
                      </TableCell>
                      <TableCell className="max-w-48 truncate">{user.display_name}</TableCell>
                      <TableCell>
                        <RoleBadge role={user.role} />
                      </TableCell>
                      <TableCell>
                        <ActiveBadge active={user.is_active} />
                      </TableCell>
                      <TableCell className="whitespace-nowrap tabular-nums">
                        {format.dateTime(new Date(user.created_at), { dateStyle: "medium" })}
                      </TableCell>
                      <TableCell className="whitespace-nowrap tabular-nums">
                        {user.last_login_at ? format.relativeTime(new Date(user.last_login_at), now) : t("never")}
                      </TableCell>
                      <TableCell className="text-right tabular-nums">{formatInteger(user.images_this_month, locale)}</TableCell>
                    </TableRow>
                  ))}
            </TableBody>
          </Table>
          <Pager
            status={
              page
                ? t("range", { from: first, to: first + page.items.length - 1, total: page.total })
                : null
            }
            hasPrevious={cursors.length > 1}
            hasNext={Boolean(page?.next_cursor)}
            busy={users.isFetching}
            onPrevious={() => setCursors((c) => c.slice(0, -1))}
            onNext={() => page?.next_cursor && setCursors((c) => [...c, page.next_cursor])}
            labels={{ navigation: t("pagination"), previous: t("previous"), next: t("next") }}
          />
        </>
      )}
      <UserDrawer userId={openId} onClose={() => setOpen(null)} />
    </>
  );
}
