/** Files the API makes on request (channel exports, ZIPs), fetched with the token and saved by the browser. */
import type { Api } from "./client";
import { errorFromResponse } from "./errors";

function fileName(response: Response, fallback: string): string {
  const header = response.headers.get("content-disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star?.[1]) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain?.[1] ?? fallback;
}

export async function fetchFile(api: Api, request: Request, fallbackName: string): Promise<{ blob: Blob; name: string }> {
  const response = await api.fetch(request);
  if (!response.ok) throw await errorFromResponse(response);
  return { blob: await response.blob(), name: fileName(response, fallbackName) };
}

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function exportRequest(api: Api, imageId: string, preset: string, format: "png" | "jpeg" | "webp" = "png"): Request {
  const query = new URLSearchParams({ preset, format, delivery: "attachment" });
  return new Request(`${api.baseUrl}/api/v1/gallery/images/${encodeURIComponent(imageId)}/export?${query}`);
}

export function zipRequest(api: Api, ids: string[]): Request {
  return new Request(`${api.baseUrl}/api/v1/gallery/images/zip`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ids }),
  });
}

export async function downloadExport(api: Api, imageId: string, preset: string): Promise<void> {
  const { blob, name } = await fetchFile(api, exportRequest(api, imageId, preset), `${preset}.png`);
  saveBlob(blob, name);
}

export async function downloadZip(api: Api, ids: string[]): Promise<void> {
  const { blob, name } = await fetchFile(api, zipRequest(api, ids), "zimage-gallery.zip");
  saveBlob(blob, name);
}
