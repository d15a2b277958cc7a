"use client";

import { Suspense } from "react";

import { GalleryView } from "@/components/gallery/gallery-view";

export default function GalleryPage() {
  return (
    <Suspense>
      <GalleryView />
    </Suspense>
  );
}
