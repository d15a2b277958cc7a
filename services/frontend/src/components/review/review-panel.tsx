"use client";

import { CheckCircle2, MessageSquare, Send, Undo2, XCircle } from "lucide-react";
import { useState, type FormEvent } from "react";
import { useFormatter, useTranslations } from "use-intl";

import { useAddComment, useComments, useMe, useReviewImage, type ReviewAction, type ReviewStatus } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { Badge } from "@zimage/web/ui/badge";
import { Button } from "@zimage/web/ui/button";
import { Skeleton } from "@zimage/web/ui/skeleton";
import { Spinner } from "@zimage/web/ui/spinner";
import { Textarea } from "@zimage/web/ui/textarea";
import { toast } from "@zimage/web/ui/toaster";

import { allowedActions, needsComment, reviewTone } from "@/lib/review";

const ICONS: Record<ReviewAction, typeof Send> = {
  submit: Send,
  reopen: Undo2,
  approve: CheckCircle2,
  request_changes: XCircle,
};

export function ReviewBadge({ status, className }: { status: ReviewStatus; className?: string }) {
  const t = useTranslations("review");
  return (
    <Badge variant={reviewTone(status)} className={className} data-testid="review-badge" data-status={status}>
      {t(`status.${status}`)}
    </Badge>
  );
}

/** The comment thread of an image, oldest first: plain comments and the review moves. */
export function CommentThread({ imageId }: { imageId: string }) {
  const t = useTranslations("review");
  const te = useTranslations("errors");
  const format = useFormatter();
  const me = useMe();
  const comments = useComments(imageId);
  if (comments.isPending) return <Skeleton className="h-16" />;
  if (comments.isError) return <p className="text-xs text-destructive">{describeError(te, comments.error)}</p>;
  if (comments.data.length === 0) return <p className="text-xs text-muted-foreground">{t("noComments")}</p>;
  return (
    <ol className="grid max-h-64 gap-2 overflow-y-auto" aria-label={t("thread")} data-testid="comment-thread">
      {comments.data.map((c) => (
        <li key={c.id} className="rounded-md border bg-background p-2 text-sm">
          <div className="mb-0.5 flex flex-wrap items-center gap-1.5 text-xs text-muted-foreground">
            <span className="font-medium text-foreground">
              {c.author_id === me.data?.id ? t("you") : c.author_role === "reviewer" ? t("reviewer") : t("owner")}
            </span>
            {c.action ? <Badge variant="outline">{t(`actions.${c.action}`)}</Badge> : null}
            <time dateTime={c.created_at}>{format.relativeTime(new Date(c.created_at))}</time>
          </div>
          {c.body ? <p className="whitespace-pre-wrap break-words">{c.body}</p> : null}
        </li>
      ))}
    </ol>
  );
}

/**
 * Where an image stands in review and the moves this person may make, with a comment that goes along (needed to
 * ask for changes), and the thread below.
 */
export function ReviewPanel({
  imageId,
  status,
  isOwner,
  title,
}: {
  imageId: string;
  status: ReviewStatus;
  isOwner: boolean;
  /** The panel's heading (the queue names the image); default "Review". */
  title?: string;
}) {
  const t = useTranslations("review");
  const te = useTranslations("errors");
  const me = useMe();
  const review = useReviewImage();
  const addComment = useAddComment();
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const actions = allowedActions(status, { isOwner, role: me.data?.role });

  function move(action: ReviewAction) {
    const comment = text.trim();
    if (needsComment(action) && !comment) {
      setProblem(t("commentRequired"));
      return;
    }
    setProblem(null);
    review.mutate(
      { id: imageId, body: { action, comment } },
      {
        onSuccess: () => {
          setText("");
          toast(t(`done.${action}`));
        },
        onError: (error) => toast(describeError(te, error), "error"),
      },
    );
  }

  function comment(event: FormEvent) {
    event.preventDefault();
    if (!text.trim()) return;
    addComment.mutate(
      { imageId, body: text.trim() },
      { onSuccess: () => setText(""), onError: (error) => toast(describeError(te, error), "error") },
    );
  }

  return (
    <section aria-labelledby={`review-${imageId}`} className="grid gap-2 rounded-md border p-3" data-testid="review-panel">
      <div className="flex items-center justify-between gap-2">
        <h3 id={`review-${imageId}`} className="text-sm font-semibold">
          {title ?? t("title")}
        </h3>
        <ReviewBadge status={status} />
      </div>
      <p className="text-xs text-muted-foreground">{t(`explain.${status}`)}</p>
      <form onSubmit={comment} className="grid gap-2">
        <Textarea
          rows={2}
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={2000}
          aria-label={t("comment")}
          placeholder={t("commentPlaceholder")}
          aria-invalid={problem ? true : undefined}
        />
        {problem ? <p role="alert" className="text-xs font-medium text-destructive">{problem}</p> : null}
        <div className="flex flex-wrap gap-1.5">
          {actions.map((action) => {
            const Icon = ICONS[action];
            return (
              <Button
                key={action}
                type="button"
                size="sm"
                variant={action === "approve" || action === "submit" ? "default" : "outline"}
                disabled={review.isPending}
                onClick={() => move(action)}
              >
                {review.isPending && review.variables?.body.action === action ? <Spinner /> : <Icon aria-hidden="true" />}
                {t(`actions.${action}`)}
              </Button>
            );
          })}
          <Button type="submit" size="sm" variant="ghost" disabled={addComment.isPending || !text.trim()}>
            <MessageSquare aria-hidden="true" />
            {t("addComment")}
          </Button>
        </div>
      </form>
      <CommentThread imageId={imageId} />
    </section>
  );
}
