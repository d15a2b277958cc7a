"use client";

import { ShieldX } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, type ReactNode } from "react";
import { useTranslations } from "use-intl";

import { useApi, useMe, useSession } from "@zimage/web/api";
import { Button } from "@zimage/web/ui/button";
import { Spinner } from "@zimage/web/ui/spinner";
import { LanguageSwitch } from "@zimage/web/app-shell/language-switch";
import { QueryError } from "@zimage/web/app-shell/query-state";

function Centered({ children }: { children: ReactNode }) {
  return <div className="flex min-h-dvh items-center justify-center gap-2 px-4 text-muted-foreground">{children}</div>;
}

/** A signed-in account without the admin role: say so plainly, and offer to switch accounts. */
export function NotAdmin({ email }: { email: string }) {
  const t = useTranslations("auth");
  const { session } = useApi();
  const router = useRouter();
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-6 px-4" data-testid="not-admin">
      <div className="absolute right-4 top-4">
        <LanguageSwitch />
      </div>
      <div className="flex max-w-md flex-col items-center gap-3 rounded-lg border bg-card p-8 text-center shadow-sm">
        <ShieldX aria-hidden="true" className="size-12 text-destructive" />
        <h1 className="text-xl font-bold">{t("notAdminTitle")}</h1>
        <p className="text-sm text-muted-foreground">{t("notAdminBody", { email })}</p>
        <Button
          className="mt-2"
          onClick={async () => {
            await session.signOut().catch(() => undefined);
            router.replace("/login");
          }}
        >
          {t("signOutAndSwitch")}
        </Button>
      </div>
    </main>
  );
}

/**
 * The admin pages: wait for the silent refresh, send the signed-out to /login?next=here, and stop anyone whose
 * role is not admin at a clear page (the services refuse them with 403 anyway).
 */
export function RequireAdmin({ children }: { children: ReactNode }) {
  const status = useSession((s) => s.status);
  const me = useMe();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const tc = useTranslations("common");
  useEffect(() => {
    if (status !== "signedOut") return;
    const query = params.toString();
    const here = query ? `${pathname}?${query}` : pathname;
    router.replace(`/login?next=${encodeURIComponent(here)}`);
  }, [status, pathname, params, router]);
  if (status === "signedIn" && me.isError) {
    return (
      <Centered>
        <QueryError error={me.error} title={tc("errorTitle")} onRetry={() => void me.refetch()} />
      </Centered>
    );
  }
  if (status !== "signedIn" || !me.data) {
    return (
      <Centered>
        <Spinner />
        <span>{status === "signedOut" ? tc("signedOutBody") : tc("loading")}</span>
      </Centered>
    );
  }
  if (me.data.role !== "admin") return <NotAdmin email={me.data.email} />;
  return <>{children}</>;
}
