// List endpoints answer a page (bureau.api.Pagination): {count, next, previous, results}. The
// generated schema names each such shape Paginated<Item>List; screens read them through rowsOf,
// which keeps the item's type.
import type { components } from "./schema";

type Schemas = components["schemas"];

/** Every paginated answer of the schema (PaginatedAssistantList, PaginatedReviewList, …). */
export type Paginated = Schemas[Extract<keyof Schemas, `Paginated${string}`>];

/** The item of a paginated answer: Assistant for PaginatedAssistantList. */
export type ItemOf<P extends Paginated> = P["results"][number];

/** The items of one page. */
export function rowsOf<P extends Paginated>(page: P): ItemOf<P>[] {
  return page.results;
}
