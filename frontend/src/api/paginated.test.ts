import { describe, expect, expectTypeOf, it } from "vitest";

import { rowsOf, type ItemOf } from "./paginated";
import type { components } from "./schema";

type Assistant = components["schemas"]["Assistant"];
type AssistantPage = components["schemas"]["PaginatedAssistantList"];
type ReviewPage = components["schemas"]["PaginatedReviewList"];

describe("rowsOf", () => {
  it("reads the items of a page, whatever its neighbours", () => {
    const page = { count: 3, next: "/api/v1/reviews/?page=2", previous: null, results: [{ id: 1 }, { id: 2 }] } as unknown as ReviewPage;
    expect(rowsOf(page).map((review) => review.id)).toEqual([1, 2]);
  });

  it("reads an empty page as no items", () => {
    expect(rowsOf({ count: 0, results: [] } as AssistantPage)).toEqual([]);
  });

  it("keeps the item type of the schema's page", () => {
    expectTypeOf<ItemOf<AssistantPage>>().toEqualTypeOf<Assistant>();
    expectTypeOf(rowsOf({ count: 0, results: [] } as AssistantPage)).toEqualTypeOf<Assistant[]>();
  });
});
