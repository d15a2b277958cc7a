"use client";

import { Suspense } from "react";

import { ReviewQueueView } from "@/components/review/review-queue-view";

export default function ReviewsPage() {
  return (
    <Suspense>
      <ReviewQueueView />
    </Suspense>
  );
}
