"use client";

import { Suspense } from "react";

import { AuditView } from "@/components/audit/audit-view";

export default function AuditPage() {
  return (
    <Suspense>
      <AuditView />
    </Suspense>
  );
}
