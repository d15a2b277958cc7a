/** Review moves each person may make on an image (the API's state machine, docs/marketing.md "Review"). */
import type { ReviewAction, ReviewStatus } from "@zimage/web/api";

export const REVIEW_STATES: readonly ReviewStatus[] = ["draft", "in_review", "approved", "changes_requested"];

const OWNER_MOVES: Record<ReviewStatus, ReviewAction[]> = {
  draft: ["submit"],
  changes_requested: ["submit", "reopen"],
  in_review: ["reopen"],
  approved: ["reopen"],
};

const REVIEWER_MOVES: Record<ReviewStatus, ReviewAction[]> = {
  draft: [],
  changes_requested: [],
  in_review: ["approve", "request_changes"],
  approved: [],
};

export function isReviewer(role: string | null | undefined): boolean {
  return role === "reviewer" || role === "admin";
}

/** Owner moves first (what the owner does most), then the reviewer's; a reviewer may review their own image. */
export function allowedActions(status: ReviewStatus, who: { isOwner: boolean; role: string | null | undefined }): ReviewAction[] {
  return [...(who.isOwner ? OWNER_MOVES[status] : []), ...(isReviewer(who.role) ? REVIEWER_MOVES[status] : [])];
}

/** Asking for changes says what to change: the API refuses it without a comment. */
export function needsComment(action: ReviewAction): boolean {
  return action === "request_changes";
}

/** Badge colour per state. */
export function reviewTone(status: ReviewStatus): "secondary" | "warning" | "success" | "destructive" {
  return status === "approved" ? "success" : status === "in_review" ? "warning" : status === "changes_requested" ? "destructive" : "secondary";
}
