"use client";

import { BrandKitsView } from "@/components/brand-kits/brand-kits-view";

export default function BrandKitsPage() {
  return <BrandKitsView />;
}
