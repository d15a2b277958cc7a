"use client";

import { useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { useTranslations } from "use-intl";

import { StateMessage } from "@zimage/web/ui/state";

import { OverlayEditor } from "@/components/overlay/overlay-editor";

function OverlayPage() {
  const t = useTranslations("overlay");
  const imageId = useSearchParams().get("image");
  if (!imageId) return <StateMessage kind="empty" title={t("notFoundTitle")} description={t("notFoundBody")} />;
  return <OverlayEditor key={imageId} imageId={imageId} />;
}

export default function Page() {
  return (
    <Suspense>
      <OverlayPage />
    </Suspense>
  );
}
