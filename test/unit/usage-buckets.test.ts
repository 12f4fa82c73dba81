/**
 * The pure arithmetic of the usage rollups: minutes, the windows of the three views, folding minutes
 * into buckets and filling the gaps.
 */
import { describe, expect, test } from "bun:test";
import {
  addMinute,
  addSample,
  dayOf,
  emptyCounts,
  emptyTotals,
  mergeCounts,
  minuteAvg,
  minuteOf,
  replaceMinute,
  seriesPoints,
  usageWindow,
  type BucketTotals,
  type MinuteCounts,
} from "../../src/metrics/usage-buckets";

const NOW = Date.UTC(2024, 0, 15, 12, 30, 45); // 2024-01-15T12:30:45Z
const NOW_MIN = NOW / 60_000 - 0.75; // 12:30:00 as a Unix minute
const counts = (over: Partial<MinuteCounts>): MinuteCounts => ({ ...emptyCounts(), ...over });

test("minuteOf is Unix seconds / 60, floored", () => {
  expect(minuteOf(NOW)).toBe(NOW_MIN);
  expect(minuteOf(NOW_MIN * 60_000)).toBe(NOW_MIN);
  expect(minuteOf(NOW_MIN * 60_000 - 1)).toBe(NOW_MIN - 1);
});

test("addSample keeps the peak, the sum and the number of samples; minuteAvg divides them", () => {
  const c = emptyCounts();
  expect(minuteAvg(c)).toBe(0);
  for (const n of [3, 7, 5]) addSample(c, n);
  expect(c).toEqual(counts({ connectionsPeak: 7, connectionsSum: 15, samples: 3 }));
  expect(minuteAvg(c)).toBe(5);
});

test("mergeCounts takes the larger peak and adds everything else, like the upsert", () => {
  const a = counts({ connectionsPeak: 9, connectionsSum: 9, samples: 1, apiMessages: 2, clientMessages: 1, delivered: 10 });
  const b = counts({ connectionsPeak: 4, connectionsSum: 8, samples: 2, apiMessages: 1, clientMessages: 3, delivered: 5 });
  expect(mergeCounts(a, b)).toEqual(
    counts({ connectionsPeak: 9, connectionsSum: 17, samples: 3, apiMessages: 3, clientMessages: 4, delivered: 15 }),
  );
});

describe("usageWindow", () => {
  test("hour: 60 one-minute buckets ending with the current minute", () => {
    const w = usageWindow("hour", NOW);
    expect(w).toEqual({
      period: "hour",
      bucketMinutes: 1,
      firstBucket: NOW_MIN - 59,
      count: 60,
      fromMinute: NOW_MIN - 59,
      toMinute: NOW_MIN + 1,
      nowMinute: NOW_MIN,
    });
  });

  test("day: 24 one-hour buckets aligned to UTC hours, the last one holding 12:30", () => {
    const w = usageWindow("day", NOW);
    const hour12 = Date.UTC(2024, 0, 15, 12) / 60_000;
    expect(w.bucketMinutes).toBe(60);
    expect(w.count).toBe(24);
    expect(w.toMinute).toBe(hour12 + 60);
    expect(w.fromMinute).toBe(hour12 - 23 * 60);
    expect(w.fromMinute * 60).toBe(Date.UTC(2024, 0, 14, 13) / 1000);
  });

  test("month: 30 one-day buckets aligned to UTC days, today last", () => {
    const w = usageWindow("month", NOW);
    expect(w.bucketMinutes).toBe(1440);
    expect(w.count).toBe(30);
    expect(w.fromMinute * 60).toBe(Date.UTC(2023, 11, 17) / 1000);
    expect(w.toMinute * 60).toBe(Date.UTC(2024, 0, 16) / 1000);
  });

  test("dayOf is the current UTC day", () => {
    expect(dayOf(NOW)).toEqual({ fromMinute: Date.UTC(2024, 0, 15) / 60_000, toMinute: Date.UTC(2024, 0, 16) / 60_000 });
  });
});

describe("seriesPoints", () => {
  test("every bucket is present, oldest first, gaps as zeros, t in Unix seconds of the bucket start", () => {
    const w = usageWindow("hour", NOW);
    const t = emptyTotals();
    addMinute(t, counts({ connectionsPeak: 4, connectionsSum: 12, samples: 6, apiMessages: 2, delivered: 8 }));
    const points = seriesPoints(w, new Map([[NOW_MIN - 2, t]]));
    expect(points).toHaveLength(60);
    expect(points[0]!.t).toBe((NOW_MIN - 59) * 60);
    expect(points.at(-1)!.t).toBe(NOW_MIN * 60);
    expect(points[57]).toEqual({ t: (NOW_MIN - 2) * 60, connectionsPeak: 4, connectionsAvg: 2, apiMessages: 2, clientMessages: 0, delivered: 8, partial: false });
    const zero = { connectionsPeak: 0, connectionsAvg: 0, apiMessages: 0, clientMessages: 0, delivered: 0 };
    for (const p of points) if (p.t !== (NOW_MIN - 2) * 60) expect(p).toMatchObject(zero);
  });

  test("an hour's average is over all its minutes, idle ones as zero; the current hour over those elapsed", () => {
    const w = usageWindow("day", NOW); // now is 12:30:45, so 31 minutes of the 12:00 hour have begun
    const past = emptyTotals();
    addMinute(past, counts({ connectionsPeak: 60, connectionsSum: 360, samples: 6 })); // one busy minute at 60
    const current = emptyTotals();
    addMinute(current, counts({ connectionsPeak: 31, connectionsSum: 186, samples: 6 })); // one minute at 31
    const hour11 = Date.UTC(2024, 0, 15, 11) / 3_600_000;
    const points = seriesPoints(w, new Map<number, BucketTotals>([[hour11, past], [hour11 + 1, current]]));
    expect(points.at(-2)).toMatchObject({ t: hour11 * 3600, connectionsPeak: 60, connectionsAvg: 1 });
    expect(points.at(-1)).toMatchObject({ t: (hour11 + 1) * 3600, connectionsPeak: 31, connectionsAvg: 1 });
  });

  test("only the bucket that holds now is partial, in every period, even at its first minute", () => {
    for (const period of ["hour", "day", "month"] as const) {
      for (const now of [NOW, Date.UTC(2024, 0, 15, 0, 0, 0)]) {
        const points = seriesPoints(usageWindow(period, now), new Map());
        expect(points.map((p) => p.partial)).toEqual([...new Array(points.length - 1).fill(false), true]);
      }
    }
  });

  test("averages are rounded to two decimals", () => {
    const w = usageWindow("hour", NOW);
    const t = emptyTotals();
    addMinute(t, counts({ connectionsPeak: 2, connectionsSum: 4, samples: 3 }));
    expect(seriesPoints(w, new Map([[NOW_MIN, t]])).at(-1)!.connectionsAvg).toBe(1.33);
  });
});

test("replaceMinute corrects a folded minute by its merged value", () => {
  const stored = counts({ connectionsPeak: 10, connectionsSum: 30, samples: 3, apiMessages: 1, delivered: 10 });
  const t = emptyTotals();
  addMinute(t, counts({ connectionsPeak: 2, connectionsSum: 12, samples: 6, clientMessages: 1, delivered: 1 })); // another minute
  addMinute(t, stored);
  const unflushed = counts({ connectionsPeak: 12, connectionsSum: 36, samples: 3, apiMessages: 2, delivered: 24 });
  replaceMinute(t, stored, mergeCounts({ ...stored }, unflushed));
  // The stored minute becomes avg (30+36)/6 = 11 instead of 10; the other minute keeps its 2.
  expect(t).toEqual({ connectionsPeak: 12, minuteAvgSum: 13, apiMessages: 3, clientMessages: 1, delivered: 35 });
});
