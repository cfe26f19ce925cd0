import { describe, expect, it } from "vitest";

import { freshToolName, settingsOf, toolForApi, toolsWithInvalidSettings, toolToForm } from "./tools";

describe("tools in the form", () => {
  it("edits an OpenAPI document as text and sends JSON back as an object", () => {
    const doc = { openapi: "3.0.3", paths: {} };
    const form = toolToForm({ kind: "http_action", name: "ho_so", settings: { openapi: doc, allowed_hosts: ["a.vn"] }, has_secret: true });
    expect(typeof form.settings.openapi).toBe("string");
    expect(toolForApi(form)).toEqual({ kind: "http_action", name: "ho_so", settings: { openapi: doc, allowed_hosts: ["a.vn"] } });
  });

  it("sends YAML as text and a typed secret only when there is one", () => {
    const yaml = "openapi: 3.0.3\npaths: {}";
    const api = toolForApi({ kind: "http_action", name: "x", settings: { openapi: yaml }, secret: "sk-1" });
    expect(api.settings.openapi).toBe(yaml);
    expect(api.secret).toBe("sk-1");
    expect("secret" in toolForApi({ kind: "calculator", name: "c", settings: {} })).toBe(false);
  });

  it("names a new tool uniquely", () => {
    expect(freshToolName("calculator", [])).toBe("calculator");
    expect(freshToolName("calculator", ["calculator", "calculator_2"])).toBe("calculator_3");
  });

  it("reads typed settings only when they are a JSON object, and names the tools whose text is not", () => {
    expect(settingsOf('{"top_k": 3}')).toEqual({ top_k: 3 });
    expect(settingsOf("  ")).toEqual({});
    expect(settingsOf('{"top_k": ')).toBeNull();
    expect(settingsOf("[1, 2]")).toBeNull();
    expect(settingsOf("null")).toBeNull();
    const ok = { kind: "calculator", name: "a", settings: {} };
    expect(toolsWithInvalidSettings([ok, { ...ok, name: "b", invalidSettings: "{" }, ok])).toEqual([1]);
  });
});

