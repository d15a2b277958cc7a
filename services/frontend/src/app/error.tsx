"use client";

export { PageError as default } from "@zimage/web/app-shell/page-error";
