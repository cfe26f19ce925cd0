import { describe, expect, it } from "vitest";

import { nameTaken } from "./cloneName";

describe("the name of a clone", () => {
  const assistants = [
    { department: 1, name: "Hỏi đáp quy chế nội bộ" },
    { department: 2, name: "Trợ lý hộ tịch" },
  ];

  it("is taken when the department has it, whatever the case and the spaces around", () => {
    expect(nameTaken(assistants, 1, "  hỏi đáp QUY CHẾ nội bộ ")).toBe(true);
    expect(nameTaken(assistants, 2, "Hỏi đáp quy chế nội bộ")).toBe(false);
    expect(nameTaken(assistants, 1, "Hỏi đáp quy chế Sở Tư pháp")).toBe(false);
    expect(nameTaken(assistants, 1, "")).toBe(false);
  });
});
