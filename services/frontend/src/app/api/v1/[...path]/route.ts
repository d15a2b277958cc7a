/** /api/v1/* streamed to the gateway (API_ORIGIN), as in the admin app; see @zimage/web/lib/api-proxy. */
import { forwardToApi } from "@zimage/web/lib/api-proxy";

export const dynamic = "force-dynamic";

export {
  forwardToApi as GET,
  forwardToApi as POST,
  forwardToApi as PUT,
  forwardToApi as PATCH,
  forwardToApi as DELETE,
  forwardToApi as HEAD,
  forwardToApi as OPTIONS,
};
