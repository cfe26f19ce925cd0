import { describe, expect, it } from "vitest";

import { dateGroupOf, groupByDate } from "./history";

const now = new Date(2026, 10, 25, 15, 0, 0);
const at = (days: number, hour = 9) => new Date(2026, 10, 25 - days, hour, 0, 0).toISOString();

describe("groupByDate", () => {
  it("puts each conversation in its day group", () => {
    expect(dateGroupOf(at(0, 0), now)).toBe("today");
    expect(dateGroupOf(at(1, 23), now)).toBe("yesterday");
    expect(dateGroupOf(at(6), now)).toBe("last7Days");
    expect(dateGroupOf(at(20), now)).toBe("last30Days");
    expect(dateGroupOf(at(45), now)).toBe("older");
    expect(dateGroupOf("not a date", now)).toBe("older");
  });

  it("orders groups and items newest first and leaves out empty groups", () => {
    const items = [
      { id: 1, updated_at: at(45) },
      { id: 2, updated_at: at(0, 8) },
      { id: 3, updated_at: at(0, 14) },
      { id: 4, updated_at: at(3) },
    ];
    expect(groupByDate(items, now).map((g) => [g.group, g.items.map((i) => i.id)])).toEqual([
      ["today", [3, 2]],
      ["last7Days", [4]],
      ["older", [1]],
    ]);
  });
});
