import { describe, expect, it } from "vitest";

import { NAMESPACES, resources } from "./index";

function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (typeof value !== "object" || value === null) return [];
  return Object.values(value).flatMap(leaves);
}

describe("translations", () => {
  for (const ns of NAMESPACES) {
    it(`${ns}: Vietnamese and English have the same keys`, () => {
      expect(resources.vi[ns], `locales/vi/${ns}.json`).toBeDefined();
      expect(resources.en[ns], `locales/en/${ns}.json`).toBeDefined();
      expect(keys(resources.en[ns]).sort()).toEqual(keys(resources.vi[ns]).sort());
    });

    it(`${ns}: no text is empty`, () => {
      for (const lng of ["vi", "en"]) {
        for (const text of leaves(resources[lng][ns])) expect(text.trim()).not.toBe("");
      }
    });
  }
});
