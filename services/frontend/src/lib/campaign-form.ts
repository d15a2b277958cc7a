/** The campaign form's values, their problems, and the body they send (POST/PATCH /campaigns). */
import type { CampaignCreate, CampaignOut } from "@zimage/web/api";

export interface CampaignValues {
  name: string;
  startsOn: string;
  endsOn: string;
  channels: string[];
  brandKitId: string;
  notes: string;
}

export type CampaignProblem = "nameRequired" | "channelsRequired" | "datesOrder";

export function valuesFrom(campaign: CampaignOut | null, defaults: { channels?: string[] } = {}): CampaignValues {
  return {
    name: campaign?.name ?? "",
    startsOn: campaign?.starts_on ?? "",
    endsOn: campaign?.ends_on ?? "",
    channels: campaign?.channels ?? defaults.channels ?? [],
    brandKitId: campaign?.brand_kit_id ?? "",
    notes: campaign?.notes ?? "",
  };
}

export function campaignProblems(v: CampaignValues): Partial<Record<"name" | "channels" | "dates", CampaignProblem>> {
  const out: Partial<Record<"name" | "channels" | "dates", CampaignProblem>> = {};
  if (!v.name.trim()) out.name = "nameRequired";
  if (v.channels.length === 0) out.channels = "channelsRequired";
  // ISO dates compare as strings
  if (v.startsOn && v.endsOn && v.endsOn < v.startsOn) out.dates = "datesOrder";
  return out;
}

/** Empty fields are sent as null, so an edit can clear the dates, the kit or the notes. */
export function campaignBody(v: CampaignValues): CampaignCreate {
  return {
    name: v.name.trim(),
    starts_on: v.startsOn || null,
    ends_on: v.endsOn || null,
    channels: v.channels,
    brand_kit_id: v.brandKitId || null,
    notes: v.notes.trim() || null,
  };
}
