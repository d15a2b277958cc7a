import { webAppConfig } from "@zimage/web/lib/next-config";

export default webAppConfig(__dirname);
