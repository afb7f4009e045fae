import { describe, expect, it } from "vitest";
import { chartSettingsParams, ema, forLogScale, formatSeconds, readChartSettings } from "./chartSettings";

describe("chart settings", () => {
  it("read from the URL and back, defaults left out", () => {
    const settings = readChartSettings(new URLSearchParams("log=1&smooth=0.6&x=time"));
    expect(settings).toEqual({ logScale: true, smoothing: 0.6, xAxis: "time" });
    expect(chartSettingsParams(settings)).toEqual({ log: "1", smooth: "0.6", x: "time" });
    expect(readChartSettings(new URLSearchParams("smooth=7&x=nope"))).toEqual({ logScale: false, smoothing: 0.99, xAxis: "step" });
    expect(chartSettingsParams(readChartSettings(new URLSearchParams()))).toEqual({ log: null, smooth: null, x: null });
  });

  it("smooths with a debiased EMA that starts at the first value and skips gaps", () => {
    expect(ema([1, 2, 3], 0)).toEqual([1, 2, 3]);
    const smoothed = ema([10, null, 10, 20], 0.5);
    expect(smoothed[0]).toBeCloseTo(10);
    expect(smoothed[1]).toBeNull();
    expect(smoothed[2]).toBeCloseTo(10);
    expect(smoothed[3]).toBeCloseTo((0.5 * 7.5 + 0.5 * 20) / (1 - 0.5 ** 3), 5); // 15.71: pulled toward 20
    expect(ema([Number.NaN, 4], 0.9)[1]).toBeCloseTo(4);
  });

  it("drops values a log axis cannot show", () => {
    expect(forLogScale([1, 0, -2, null, 0.5])).toEqual([1, null, null, null, 0.5]);
  });

  it("writes relative times as short durations", () => {
    expect(formatSeconds(42)).toBe("42s");
    expect(formatSeconds(125)).toBe("2m 5s");
    expect(formatSeconds(3600 * 3 + 60 * 20)).toBe("3h 20m");
    expect(formatSeconds(86_400 * 3 + 3600)).toBe("3d 1h");
  });
});
