import { describe, expect, it } from "vitest";

import { percentUsed } from "./QuotaUsage";

describe("percentUsed", () => {
  it("is null without a limit", () => expect(percentUsed({ used: 5, limit: null })).toBeNull());
  it("rounds and caps at 100", () => {
    expect(percentUsed({ used: 1, limit: 3 })).toBe(33);
    expect(percentUsed({ used: 30, limit: 10 })).toBe(100);
  });
  it("treats a zero limit as used up", () => expect(percentUsed({ used: 0, limit: 0 })).toBe(100));
});
