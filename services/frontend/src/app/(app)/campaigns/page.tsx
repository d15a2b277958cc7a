"use client";

import { Suspense } from "react";

import { CampaignsView } from "@/components/campaigns/campaigns-view";

export default function CampaignsPage() {
  return (
    <Suspense>
      <CampaignsView />
    </Suspense>
  );
}
