import { describe, expect, it } from "vitest";

import {
  addDays,
  chartBucket,
  dayIn,
  isDay,
  matchPreset,
  parseRange,
  presetRange,
  rangeDays,
  rangeQuery,
  startOfDay,
  sumByDay,
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

  it("turn a day range into the stats API's instants, in hours wherever the API allows them", () => {
    expect(rangeQuery({ from: "2026-11-26", to: "2026-11-26" }, SEOUL)).toEqual({
      from: "2026-11-25T15:00:00.000Z",
      to: "2026-11-26T15:00:00.000Z",
      bucket: "hour",
    });
    expect(rangeQuery({ from: "2026-11-20", to: "2026-11-26" }, SEOUL)).toEqual({
      from: "2026-11-19T15:00:00.000Z",
      to: "2026-11-26T15:00:00.000Z",
      bucket: "hour",
    });
    expect(rangeQuery({ from: "2026-10-27", to: "2026-11-26" }, SEOUL).bucket).toBe("hour"); // 31 days
    expect(rangeQuery({ from: "2026-10-26", to: "2026-11-26" }, SEOUL).bucket).toBe("day"); // 32
    expect([chartBucket({ from: "2026-11-25", to: "2026-11-26" }), chartBucket({ from: "2026-11-24", to: "2026-11-26" })]).toEqual(["hour", "day"]);
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

describe("sumByDay", () => {
  it("adds hours up into the team's days, which start at 15:00 UTC in Seoul", () => {
    const hours = [
      { start: "2026-11-25T14:00:00Z", images: 1, failures: 0, queue_wait_p95: 3 }, // 23:00 on the 25th
      { start: "2026-11-25T15:00:00Z", images: 2, failures: 1, queue_wait_p95: 9 }, // 00:00 on the 26th
      { start: "2026-11-26T05:00:00Z", images: 4, failures: 0, queue_wait_p95: null },
    ];
    expect(sumByDay(hours, SEOUL, ["images", "failures"])).toEqual([
      { day: "2026-11-25", images: 1, failures: 0 },
      { day: "2026-11-26", images: 6, failures: 1 },
    ]);
    expect(sumByDay(hours, "UTC", ["images"])).toEqual([
      { day: "2026-11-25", images: 3 },
      { day: "2026-11-26", images: 4 },
    ]);
    expect(sumByDay([], SEOUL, ["images"])).toEqual([]);
  });
});
