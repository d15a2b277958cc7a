/** The audit log's filters as the address keeps them (?actor=&action=&target_type=&target_id=&from=&to=). */
import type { AuditFilters } from "@zimage/web/api";
import { rangeQuery, type DateRange } from "@zimage/web/lib/date-range";

export const AUDIT_ACTIONS = [
  "user.update",
  "user.password_reset",
  "quota.update",
  "template.create",
  "template.update",
  "template.delete",
  "preset.create",
  "preset.update",
  "preset.delete",
] as const;
export const AUDIT_TARGETS = ["user", "template", "preset"] as const;

/** The message key of a known action ("user.update" → "user_update": a dot would nest the key). */
export function actionKey(action: (typeof AUDIT_ACTIONS)[number]) {
  return action.replace(".", "_") as
    | "user_update" | "user_password_reset" | "quota_update" | "template_create" | "template_update"
    | "template_delete" | "preset_create" | "preset_update" | "preset_delete";
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AuditFilterState {
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
}

export function parseAuditFilters(params: URLSearchParams): AuditFilterState {
  const actor = params.get("actor") ?? "";
  const action = params.get("action") ?? "";
  const targetType = params.get("target_type") ?? "";
  const targetId = (params.get("target_id") ?? "").trim();
  return {
    ...(UUID.test(actor) ? { actor } : {}),
    ...(action && action.length <= 64 ? { action } : {}),
    ...(targetType && targetType.length <= 32 ? { targetType } : {}),
    ...(targetId && targetId.length <= 64 ? { targetId } : {}),
  };
}

export function auditFilterSearch(state: AuditFilterState, base: URLSearchParams): string {
  const search = new URLSearchParams(base.toString());
  const pairs: [string, string | undefined][] = [
    ["actor", state.actor],
    ["action", state.action],
    ["target_type", state.targetType],
    ["target_id", state.targetId],
  ];
  for (const [key, value] of pairs) {
    if (value) search.set(key, value);
    else search.delete(key);
  }
  return search.toString();
}

/** The API's query: the filters plus the day range as instants (`to` exclusive). */
export function auditQuery(state: AuditFilterState, range: DateRange, timeZone: string): AuditFilters {
  const { from, to } = rangeQuery(range, timeZone);
  return {
    from,
    to,
    ...(state.actor ? { actor_id: state.actor } : {}),
    ...(state.action ? { action: state.action } : {}),
    ...(state.targetType ? { target_type: state.targetType } : {}),
    ...(state.targetId ? { target_id: state.targetId } : {}),
  };
}
