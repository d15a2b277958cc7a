import type { Locale } from "@zimage/web/i18n";

import type { Messages } from "./messages";

// t("missing.key") is a type error, in Korean and English alike.
declare module "use-intl" {
  interface AppConfig {
    Locale: Locale;
    Messages: Messages;
  }
}
