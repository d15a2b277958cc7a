"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, type ReactNode } from "react";
import { useTranslations } from "use-intl";

import { useSession } from "@zimage/web/api";
import { Spinner } from "@zimage/web/ui/spinner";

/** Pages behind sign-in: wait for the silent refresh, send the signed-out to /login?next=here. */
export function RequireSession({ children }: { children: ReactNode }) {
  const status = useSession((s) => s.status);
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const t = useTranslations("common");
  useEffect(() => {
    if (status !== "signedOut") return;
    const query = params.toString();
    const here = query ? `${pathname}?${query}` : pathname;
    router.replace(`/login?next=${encodeURIComponent(here)}`);
  }, [status, pathname, params, router]);
  if (status !== "signedIn") {
    return (
      <div className="flex min-h-dvh items-center justify-center gap-2 text-muted-foreground">
        <Spinner />
        <span>{status === "signedOut" ? t("signedOutBody") : t("loading")}</span>
      </div>
    );
  }
  return <>{children}</>;
}
