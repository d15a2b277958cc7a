import { sharedMessages, type Locale } from "@zimage/web/i18n";

import { brandKitsEn, brandKitsKo } from "./brand-kits";
import { en } from "./en";
import { ko } from "./ko";

const app = { ko: { ...ko, ...brandKitsKo }, en: { ...en, ...brandKitsEn } } as const;

export function messagesFor(locale: Locale) {
  return { ...sharedMessages[locale], ...app[locale] };
}

export type Messages = ReturnType<typeof messagesFor>;
