/** Locales of the web apps: Korean first, English second. Messages are plain nested objects for use-intl. */
import { ApiError, NETWORK_ERROR } from "../api/errors";
import { en as sharedEn, ko as sharedKo } from "./messages";

export const LOCALES = ["ko", "en"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "ko";
export const LOCALE_COOKIE = "zimage_locale";
export const TIME_ZONE = "Asia/Seoul";

export function pickLocale(value: string | null | undefined): Locale {
  return (LOCALES as readonly string[]).includes(value ?? "") ? (value as Locale) : DEFAULT_LOCALE;
}

export const sharedMessages = { ko: sharedKo, en: sharedEn } as const;
export type SharedMessages = typeof sharedKo;

export function setLocaleCookie(locale: Locale): void {
  document.cookie = `${LOCALE_COOKIE}=${locale}; path=/; max-age=31536000; samesite=lax`;
}

// Any app's typed translator for the "errors" namespace fits here (apps narrow keys to their catalogue).
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Translate = (key: any, values?: any) => string;

/** Error codes the UI explains in the user's language; anything else falls back to the server's words. */
const KNOWN_CODES = new Set([
  "InvalidCredentials",
  "EmailTaken",
  "WeakPassword",
  "AccountDisabled",
  "WrongCurrentPassword",
  "RefreshTokenReused",
  "InvalidResetToken",
  "CannotChangeOwnAccount",
  "LastAdministrator",
  "QuotaExceeded",
  "TemplateNotFound",
  "ImageNotFound",
  "TaskNotFound",
  "TaskAlreadyFinished",
  "FolderNameTaken",
  "TagNameTaken",
  "OriginalMissing",
  "ServiceUnavailable",
  "ValidationError",
  "TooManyRequests",
  "Unauthorized",
  "Forbidden",
  // brand kits, overlays, review, campaigns (docs/marketing.md)
  "BrandKitNotFound",
  "BrandKitNameTaken",
  "FileTooLarge",
  "InvalidFont",
  "InvalidLogo",
  "OverlayDoesNotFit",
  "UnknownBrandAsset",
  "UnknownBrandKit",
  "UnknownPreset",
  "InvalidReviewTransition",
  "ReviewerRequired",
  "NotYourDecision",
  "CampaignNotFound",
  "NotCampaignOwner",
  "ImageNotInCampaign",
  NETWORK_ERROR,
]);

/** "Try again in 40 seconds" / "in about 15 minutes" (t = the "errors" namespace). */
export function waitMessage(t: Translate, seconds: number): string {
  return seconds < 60 ? t("TooManyRequestsSeconds", { seconds }) : t("TooManyRequestsMinutes", { minutes: Math.ceil(seconds / 60) });
}

/** m:ss for a countdown on a button. */
export function clock(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

/**
 * The message for an error, in the current language, via the `errors` namespace (t = useTranslations("errors")).
 * Throttling says how long to wait; unknown codes show the server's own detail.
 */
export function describeError(t: Translate, error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 429 && error.code !== "QuotaExceeded") {
      return error.retryAfter ? waitMessage(t, error.retryAfter) : t("TooManyRequests");
    }
    // {detail} lets a message quote the server's reason (which font table is broken, which SVG element is refused)
    if (KNOWN_CODES.has(error.code)) return t(error.code, { detail: error.detail });
    if (error.status >= 500) return t("ServiceUnavailable");
    return error.detail || t("Unknown");
  }
  if (error instanceof TypeError) return t(NETWORK_ERROR); // fetch could not reach the server
  return t("Unknown");
}
