"use client";

import { Suspense, type ReactNode } from "react";

import { AdminShell } from "@/components/admin-shell";
import { RequireAdmin } from "@/components/require-admin";

export default function AdminLayout({ children }: { children: ReactNode }) {
  return (
    <Suspense>
      <RequireAdmin>
        <AdminShell>{children}</AdminShell>
      </RequireAdmin>
    </Suspense>
  );
}
