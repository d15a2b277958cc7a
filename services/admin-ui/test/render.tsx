import { appRenderer } from "@zimage/web/test/render";

import { messagesFor } from "@/messages";

/** Render inside the app's providers, with `fetch` answering for the API. */
export const renderWithApp = appRenderer(messagesFor);
