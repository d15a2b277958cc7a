/** /api/v1/* streamed to the gateway (API_ORIGIN); see @zimage/web/lib/api-proxy. */
export { DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT } from "@zimage/web/lib/api-proxy";

export const dynamic = "force-dynamic";
