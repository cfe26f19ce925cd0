// The name of a new assistant must not repeat one of its department's (the server refuses it too):
// compared as people read names, without case or surrounding spaces.
import type { Assistant } from "./api";

export function nameTaken(assistants: readonly Pick<Assistant, "department" | "name">[], department: number | undefined, name: string | undefined): boolean {
  const wanted = (name ?? "").trim().toLocaleLowerCase("vi");
  if (!wanted || department === undefined) return false;
  return assistants.some((a) => a.department === department && a.name.trim().toLocaleLowerCase("vi") === wanted);
}
