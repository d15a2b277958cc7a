import { describe, expect, it } from "vitest";

import { formatBytes, formatDay, formatHour, formatInteger, formatPercent, formatSeconds } from "../src/lib/format";

describe("number formatting", () => {
  it("groups thousands and rounds to whole numbers", () => {
    expect(formatInteger(1234567, "ko")).toBe("1,234,567");
    expect(formatInteger(12.6, "en")).toBe("13");
  });

  it("writes shares as percentages and never rounds a failure down to 0 %", () => {
    expect(formatPercent(0.025, "ko")).toBe("2.5%");
    expect(formatPercent(0, "en")).toBe("0%");
    expect(formatPercent(1, "en")).toBe("100%");
    expect(formatPercent(0.0004, "en")).toBe("<0.1%");
  });

  it("picks a readable unit for durations", () => {
    expect(formatSeconds(0.85, "en")).toBe("850 ms");
    expect(formatSeconds(2.44, "en")).toBe("2.4 sec");
    expect(formatSeconds(42, "ko")).toBe("42초");
    expect(formatSeconds(210, "en")).toBe("3.5 min");
    expect(formatSeconds(4320, "ko")).toBe("1.2시간");
  });

  it("shows memory in binary units, as GPU tools do", () => {
    expect(formatBytes(512, "en")).toBe("512 B");
    expect(formatBytes(512 * 1024 ** 2, "en")).toBe("512 MiB");
    expect(formatBytes(23.7 * 1024 ** 3, "en")).toBe("23.7 GiB");
    expect(formatBytes(80 * 1024 ** 3, "ko")).toBe("80 GiB");
  });

  it("labels chart points by day, and by hour in the team's time zone", () => {
    expect(formatDay("2026-11-26", "ko")).toBe("11. 26.");
    expect(formatDay("2026-11-26", "en")).toBe("11/26");
    expect(formatHour("2026-11-26T05:00:00Z", "ko", "Asia/Seoul")).toBe("14:00");
    expect(formatHour("2026-11-25T15:00:00Z", "en", "Asia/Seoul")).toBe("00:00");
    expect(formatHour("2026-11-26T05:00:00Z", "en", "Asia/Seoul", true)).toBe("11/26, 14:00");
  });
});
