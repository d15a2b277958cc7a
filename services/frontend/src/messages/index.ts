import { sharedMessages, type Locale } from "@zimage/web/i18n";

import { en } from "./en";
import { ko } from "./ko";
import { marketingEn, marketingKo } from "./marketing";

const app = { ko: { ...ko, ...marketingKo }, en: { ...en, ...marketingEn } } as const;

export function messagesFor(locale: Locale) {
  return { ...sharedMessages[locale], ...app[locale] };
}

export type Messages = ReturnType<typeof messagesFor>;
