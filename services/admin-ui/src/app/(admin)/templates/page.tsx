"use client";

import { TemplatesView } from "@/components/templates/templates-view";

export default function TemplatesPage() {
  return <TemplatesView />;
}
