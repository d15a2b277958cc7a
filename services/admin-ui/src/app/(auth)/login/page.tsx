"use client";

import { useSearchParams } from "next/navigation";
import { Suspense } from "react";

import { LoginForm } from "@zimage/web/app-shell/login-form";

import { safeNext } from "@/lib/navigation";

function AdminLogin() {
  return <LoginForm next={safeNext(useSearchParams().get("next"))} />;
}

export default function LoginPage() {
  return (
    <Suspense>
      <AdminLogin />
    </Suspense>
  );
}
