"use client";

import { Copy } from "lucide-react";
import { useState, type ReactNode } from "react";
import { useFormatter, useTranslations } from "use-intl";

import { useIssuePasswordReset, type AdminUserOut, type PasswordResetLink } from "@zimage/web/api";
import { describeError } from "@zimage/web/i18n";
import { copyText } from "@zimage/web/lib/copy";
import { Alert } from "@zimage/web/ui/alert";
import { Button } from "@zimage/web/ui/button";
import { ConfirmDialog } from "@zimage/web/ui/confirm-dialog";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@zimage/web/ui/dialog";
import { Input } from "@zimage/web/ui/input";
import { Label } from "@zimage/web/ui/label";
import { toast } from "@zimage/web/ui/toaster";

/**
 * Issue a one-time reset link (no email server is assumed): the admin sees it once, copies it and hands it
 * over. Closing the dialog forgets it; another link can be issued (the server decides what that means for
 * the earlier one).
 */
export function PasswordResetAction({ user, icon }: { user: AdminUserOut; icon: ReactNode }) {
  const t = useTranslations("userDrawer");
  const tc = useTranslations("common");
  const te = useTranslations("errors");
  const format = useFormatter();
  const issue = useIssuePasswordReset();
  const [confirming, setConfirming] = useState(false);
  const [issued, setIssued] = useState<PasswordResetLink | null>(null);

  const confirm = async () => {
    try {
      setIssued(await issue.mutateAsync(user.id));
      setConfirming(false);
    } catch {
      // shown in the dialog
    }
  };
  const copy = async () => {
    if (issued && (await copyText(issued.reset_url))) toast(tc("copied"));
    else toast(t("copyFailed"), "error");
  };

  return (
    <>
      <Button
        variant="outline"
        onClick={() => {
          issue.reset();
          setConfirming(true);
        }}
      >
        {icon}
        {t("resetPassword")}
      </Button>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title={t("confirmResetTitle")}
        description={t("confirmResetBody", { email: user.email })}
        confirmLabel={t("resetPassword")}
        cancelLabel={tc("cancel")}
        busy={issue.isPending}
        onConfirm={() => void confirm()}
      >
        {issue.error ? <Alert variant="destructive">{describeError(te, issue.error)}</Alert> : null}
      </ConfirmDialog>
      <Dialog open={issued !== null} onOpenChange={(open) => !open && setIssued(null)}>
        <DialogContent closeLabel={tc("close")} data-testid="reset-link-dialog">
          <DialogHeader>
            <DialogTitle>{t("resetIssuedTitle")}</DialogTitle>
            <DialogDescription>
              {issued
                ? t("resetIssuedBody", { expires: format.dateTime(new Date(issued.expires_at), { dateStyle: "medium", timeStyle: "short" }) })
                : null}
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-1.5">
            <Label htmlFor="reset-link">{t("resetLink")}</Label>
            <div className="flex gap-2">
              <Input id="reset-link" readOnly value={issued?.reset_url ?? ""} onFocus={(e) => e.currentTarget.select()} className="font-mono text-xs" />
              <Button variant="secondary" onClick={() => void copy()}>
                <Copy aria-hidden="true" />
                {t("copyLink")}
              </Button>
            </div>
          </div>
          <DialogFooter>
            <Button onClick={() => setIssued(null)}>{t("done")}</Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </>
  );
}
