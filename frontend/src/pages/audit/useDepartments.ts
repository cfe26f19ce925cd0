import { useQuery } from "@tanstack/react-query";

import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { rowsOf } from "../../api/paginated";
import type { components } from "../../api/schema";

export type Department = components["schemas"]["Department"];

/** The departments I can see (every one of the organization for org admins and auditors). */
export function useDepartments() {
  return useQuery({
    queryKey: ["departments"],
    queryFn: async () =>
      rowsOf(unwrap(await api.GET("/api/v1/departments/", { params: { query: { page_size: 500 } } }))),
    staleTime: 60_000,
  });
}
