"use client";

import { Suspense } from "react";

import { UsersView } from "@/components/users/users-view";

export default function UsersPage() {
  return (
    <Suspense>
      <UsersView />
    </Suspense>
  );
}
