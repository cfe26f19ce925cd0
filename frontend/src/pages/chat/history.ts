// Conversations grouped by when they were last used, the way chat apps list them.
export type DateGroup = "today" | "yesterday" | "last7Days" | "last30Days" | "older";

export const DATE_GROUPS: DateGroup[] = ["today", "yesterday", "last7Days", "last30Days", "older"];

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

export function dateGroupOf(iso: string, now: Date): DateGroup {
  const day = 86_400_000;
  const today = startOfDay(now);
  const at = new Date(iso).getTime();
  if (Number.isNaN(at)) return "older";
  if (at >= today) return "today";
  if (at >= today - day) return "yesterday";
  if (at >= today - 7 * day) return "last7Days";
  if (at >= today - 30 * day) return "last30Days";
  return "older";
}

/** Groups in display order, newest first inside each, without empty groups. */
export function groupByDate<T extends { updated_at: string }>(items: readonly T[], now: Date): { group: DateGroup; items: T[] }[] {
  const sorted = [...items].sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at));
  const groups = new Map<DateGroup, T[]>();
  for (const item of sorted) {
    const group = dateGroupOf(item.updated_at, now);
    groups.set(group, [...(groups.get(group) ?? []), item]);
  }
  return DATE_GROUPS.filter((g) => groups.has(g)).map((group) => ({ group, items: groups.get(group)! }));
}
