"use client";

import { PresetsView } from "@/components/presets/presets-view";

export default function PresetsPage() {
  return <PresetsView />;
}
