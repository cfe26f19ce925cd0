import { render, screen, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import "../../i18n";
import { DiffView } from "./DiffView";

describe("DiffView", () => {
  it("draws each changed field with its lines side by side", () => {
    render(
      <DiffView
        beforeLabel="v1"
        afterLabel="v2"
        changes={{
          temperature: { before: 0.2, after: 0.5 },
          instructions: { before: "Dòng một\nDòng hai", after: "Dòng một\nDòng ba" },
        }}
      />,
    );
    const sections = screen.getAllByRole("region");
    expect(sections).toHaveLength(2);
    const instructions = sections[0]; // the editor's order: instructions first
    const cells = within(instructions).getAllByRole("cell");
    expect(cells.map((c) => c.textContent?.trim())).toEqual(["Dòng một", "Dòng một", "− Dòng hai", "+ Dòng ba"]);
    expect(cells[2].className).toBe("diff-removed");
    expect(cells[3].className).toBe("diff-added");
    expect(within(sections[1]).getAllByRole("cell").map((c) => c.textContent?.trim())).toEqual(["− 0.2", "+ 0.5"]);
  });

  it("says so when nothing changed", () => {
    render(<DiffView beforeLabel="v1" afterLabel="v2" changes={{}} />);
    expect(screen.queryByTestId("version-diff")).toBeNull();
  });
});
