import { describe, expect, it } from "vitest";

import {
  addDays,
  dayIn,
  fillSeries,
  isDay,
  matchPreset,
  parseRange,
  presetRange,
  rangeDays,
  rangeQuery,
  startOfDay,
} from "../src/lib/date-range";

const SEOUL = "Asia/Seoul";
// 2026-11-26 00:30 in Seoul is still the 25th in UTC
const NOW = new Date("2026-11-25T15:30:00Z");

describe("date ranges", () => {
  it("take the day in the team's time zone, not the machine's", () => {
    expect(dayIn(NOW, SEOUL)).toBe("2026-11-26");
    expect(dayIn(NOW, "UTC")).toBe("2026-11-25");
    expect(startOfDay("2026-11-26", SEOUL).toISOString()).toBe("2026-11-25T15:00:00.000Z");
    // a zone with summer time: midnight moves with the offset
    expect(startOfDay("2026-07-01", "Europe/Berlin").toISOString()).toBe("2026-06-30T22:00:00.000Z");
    expect(startOfDay("2026-01-01", "Europe/Berlin").toISOString()).toBe("2025-12-31T23:00:00.000Z");
  });

  it("count calendar days across months and leap years", () => {
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(rangeDays({ from: "2026-11-26", to: "2026-11-26" })).toBe(1);
    expect(rangeDays({ from: "2026-01-01", to: "2026-12-31" })).toBe(365);
    expect([isDay("2026-02-28"), isDay("2026-02-30"), isDay("26-02-01"), isDay(null)]).toEqual([true, false, false, false]);
  });

  it("make presets that end today and include it", () => {
    expect(presetRange("today", NOW, SEOUL)).toEqual({ from: "2026-11-26", to: "2026-11-26" });
    expect(presetRange("7d", NOW, SEOUL)).toEqual({ from: "2026-11-20", to: "2026-11-26" });
    expect(presetRange("30d", NOW, SEOUL)).toEqual({ from: "2026-10-28", to: "2026-11-26" });
    expect(matchPreset({ from: "2026-11-20", to: "2026-11-26" }, NOW, SEOUL)).toBe("7d");
    expect(matchPreset({ from: "2026-11-19", to: "2026-11-26" }, NOW, SEOUL)).toBeNull();
  });

  it("turn a day range into the stats API's instants and bucket", () => {
    expect(rangeQuery({ from: "2026-11-26", to: "2026-11-26" }, SEOUL)).toEqual({
      from: "2026-11-25T15:00:00.000Z",
      to: "2026-11-26T15:00:00.000Z",
      bucket: "hour",
    });
    expect(rangeQuery({ from: "2026-11-25", to: "2026-11-26" }, SEOUL).bucket).toBe("hour");
    expect(rangeQuery({ from: "2026-11-20", to: "2026-11-26" }, SEOUL)).toEqual({
      from: "2026-11-19T15:00:00.000Z",
      to: "2026-11-26T15:00:00.000Z",
      bucket: "day",
    });
  });

  it("read a range from the address safely", () => {
    const parse = (from: string | null, to: string | null) => parseRange({ from, to }, NOW, SEOUL);
    expect(parse("2026-11-01", "2026-11-10")).toEqual({ from: "2026-11-01", to: "2026-11-10" });
    expect(parse("2026-11-10", "2026-11-01")).toEqual({ from: "2026-11-01", to: "2026-11-10" }); // swapped
    expect(parse("2026-11-20", "2027-01-01")).toEqual({ from: "2026-11-20", to: "2026-11-26" }); // no future
    expect(parse("2027-01-01", "2027-02-01")).toEqual({ from: "2026-11-26", to: "2026-11-26" });
    expect(parse("2020-01-01", "2026-11-26")).toEqual({ from: "2025-11-26", to: "2026-11-26" }); // 366 days at most
    expect(parse("garbage", "2026-11-10")).toEqual(presetRange("30d", NOW, SEOUL));
    expect(parse(null, null)).toEqual(presetRange("30d", NOW, SEOUL));
  });
});

describe("fillSeries", () => {
  const blank = (start: string) => ({ start, n: 0 });

  it("adds the empty buckets of the range around the server's points", () => {
    const query = { from: "2026-11-23T15:00:00.000Z", to: "2026-11-26T15:00:00.000Z", bucket: "day" as const };
    const filled = fillSeries([{ start: "2026-11-24T15:00:00+00:00", n: 3 }], query, blank);
    expect(filled.map((p) => [new Date(p.start).toISOString(), p.n])).toEqual([
      ["2026-11-23T15:00:00.000Z", 0],
      ["2026-11-24T15:00:00.000Z", 3],
      ["2026-11-25T15:00:00.000Z", 0],
    ]);
  });

  it("keeps the server's alignment (UTC days under a Seoul range) and every bucket that overlaps it", () => {
    const query = { from: "2026-11-23T15:00:00.000Z", to: "2026-11-25T15:00:00.000Z", bucket: "day" as const };
    const filled = fillSeries([{ start: "2026-11-24T00:00:00Z", n: 2 }], query, blank);
    expect(filled.map((p) => new Date(p.start).toISOString())).toEqual([
      "2026-11-23T00:00:00.000Z",
      "2026-11-24T00:00:00.000Z",
      "2026-11-25T00:00:00.000Z",
    ]);
    expect(filled[1]?.n).toBe(2);
  });

  it("gives a full empty series when the server has none", () => {
    const query = { from: "2026-11-25T15:00:00.000Z", to: "2026-11-26T15:00:00.000Z", bucket: "hour" as const };
    const filled = fillSeries([], query, blank);
    expect(filled).toHaveLength(24);
    expect(filled[0]?.start).toBe("2026-11-25T15:00:00.000Z");
    expect(filled.every((p) => p.n === 0)).toBe(true);
  });
});
