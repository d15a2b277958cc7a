"use client";

import { Suspense, type ReactNode } from "react";

import { AppShell } from "@/components/app-shell";
import { RequireSession } from "@/components/require-session";

export default function SignedInLayout({ children }: { children: ReactNode }) {
  return (
    <Suspense>
      <RequireSession>
        <AppShell>{children}</AppShell>
      </RequireSession>
    </Suspense>
  );
}
