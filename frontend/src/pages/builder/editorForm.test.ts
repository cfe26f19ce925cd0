import { describe, expect, it } from "vitest";

import { changesOf, fieldErrors, isDirty, rebase, toolErrors, type EditorValues } from "./editorForm";

const saved: EditorValues = {
  name: "Trợ lý hộ tịch",
  description: "",
  avatar: "📜",
  visibility: "department",
  instructions: "Trả lời bằng tiếng Việt.",
  conversation_starters: ["Đăng ký khai sinh cần gì?"],
  model_provider: 1,
  model_name: "fake-chat",
  temperature: 0.2,
  max_tokens: 1024,
  knowledge_base_ids: [],
  tools: [],
  top_k: 6,
  min_similarity: null,
  knowledge_only: false,
  refusal_message: "",
};

describe("editor form", () => {
  it("splits changes between the assistant and its draft", () => {
    const current = { ...saved, name: "Trợ lý hộ tịch mới", temperature: 0.5, conversation_starters: ["Đăng ký khai sinh cần gì?", " "] };
    expect(changesOf(saved, current)).toEqual({ assistant: { name: "Trợ lý hộ tịch mới" }, draft: { temperature: 0.5, conversation_starters: ["Đăng ký khai sinh cần gì?"] } });
    expect(isDirty(saved, { ...saved })).toBe(false);
    expect(isDirty(saved, current)).toBe(true);
  });

  it("keeps what the person is typing when the server's copy changes under it", () => {
    const typing = { ...saved, instructions: "Trả lời đầy đủ, kèm căn cứ pháp lý." };
    const reloaded = { ...saved, knowledge_base_ids: [3], instructions: saved.instructions };
    const merged = rebase(saved, reloaded, typing);
    expect(merged.instructions).toBe("Trả lời đầy đủ, kèm căn cứ pháp lý."); // their edit stays
    expect(merged.knowledge_base_ids).toEqual([3]); // an untouched field takes the server's value
    expect(isDirty(reloaded, merged)).toBe(true);
    expect(rebase(saved, reloaded, { ...saved })).toEqual(reloaded); // nothing typed: all new
  });

  it("counts a typed secret as a change of the tools", () => {
    const tool = { kind: "http_action", name: "ho_so", settings: { openapi: "{}" } };
    const before = { ...saved, tools: [tool] };
    expect(changesOf(before, { ...before, tools: [{ ...tool, secret: "sk-1" }] }).draft.tools).toEqual([
      { kind: "http_action", name: "ho_so", settings: { openapi: {} }, secret: "sk-1" },
    ]);
  });

  it("maps the server's validation details onto fields and tools", () => {
    const details = { temperature: ["Nhiệt độ phải từ 0 đến 2."], tools: { "1": ["Tên công cụ trùng."] } };
    expect(fieldErrors(details)).toEqual([{ name: "temperature", errors: ["Nhiệt độ phải từ 0 đến 2."] }]);
    expect(toolErrors(details)).toEqual({ "1": ["Tên công cụ trùng."] });
  });
});
