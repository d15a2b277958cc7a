"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useEffect } from "react";

import { useSession } from "@zimage/web/api";

import { safeNext } from "@/lib/navigation";

/** Where to go after signing in, and go there at once if a session already exists. */
export function useNextAfterSignIn(): string {
  const params = useSearchParams();
  const next = safeNext(params.get("next"));
  const status = useSession((s) => s.status);
  const router = useRouter();
  useEffect(() => {
    if (status === "signedIn") router.replace(next);
  }, [status, next, router]);
  return next;
}
