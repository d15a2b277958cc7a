"use client";

import { Suspense } from "react";

import { GenerateView } from "@/components/generate/generate-view";

export default function GeneratePage() {
  return (
    <Suspense>
      <GenerateView />
    </Suspense>
  );
}
