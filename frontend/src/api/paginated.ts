// List endpoints answer a page ({count, next, previous, results}, bureau.api.Pagination); a few
// answer a plain array. Screens read both through `asPage`.
export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export function asPage<T>(data: unknown): Page<T> {
  if (Array.isArray(data)) return { count: data.length, next: null, previous: null, results: data as T[] };
  const page = (data ?? {}) as Partial<Page<T>>;
  const results = page.results ?? [];
  return { count: page.count ?? results.length, next: page.next ?? null, previous: page.previous ?? null, results };
}

export function pageNumberOf(url: string | null): number | null {
  if (!url) return null;
  const value = new URL(url, "http://x").searchParams.get("page");
  return value ? Number(value) : 1;
}
