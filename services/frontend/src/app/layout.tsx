import "pretendard/dist/web/variable/pretendardvariable-dynamic-subset.css";
import "./globals.css";

import type { Metadata } from "next";

import { rootLayout, rootViewport } from "@zimage/web/app-shell/root-layout";

import { messagesFor } from "@/messages";

export const metadata: Metadata = {
  title: { default: "zimage", template: "%s · zimage" },
  description: "Z-Image-Turbo campaign image generator",
};

export const viewport = rootViewport;

export default rootLayout(messagesFor);
