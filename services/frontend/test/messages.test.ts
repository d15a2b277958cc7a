import { describeMessageCatalogues } from "@zimage/web/test/messages";

import { messagesFor } from "@/messages";

describeMessageCatalogues(messagesFor);
