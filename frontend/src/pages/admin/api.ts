// The department admin's data: members, API keys and quota usage, as TanStack Query hooks.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Dayjs } from "dayjs";

import { thenRefresh, type Callbacks } from "../../api/callbacks";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { rowsOf } from "../../api/paginated";
import type { components } from "../../api/schema";

export type Membership = components["schemas"]["Membership"];
export type RoleName = components["schemas"]["RoleEnum"];
export type ApiKey = components["schemas"]["ApiKey"];
export type CreatedApiKey = components["schemas"]["ApiKeyCreated"];
export type Scope = components["schemas"]["ScopesEnum"];
export type Consumption = components["schemas"]["Consumption"];

export interface NewMember {
  email: string;
  full_name: string;
  role: RoleName;
}

export interface NewApiKey {
  name: string;
  scopes: Scope[];
  expires: Dayjs | null;
}

export const adminKeys = {
  members: (departmentId: number) => ["members", departmentId] as const,
  apiKeys: (departmentId: number) => ["api-keys", departmentId] as const,
  quotaUsage: (departmentId: number) => ["quota-usage", departmentId] as const,
};

const inDepartment = (departmentId: number) => ({ params: { path: { department_id: departmentId } } });

export function useMembers(departmentId: number) {
  return useQuery({
    queryKey: adminKeys.members(departmentId),
    queryFn: async () => rowsOf(unwrap(await api.GET("/api/v1/departments/{department_id}/members/", inDepartment(departmentId)))),
  });
}

function useRefreshMembers(departmentId: number) {
  const client = useQueryClient();
  return () => void client.invalidateQueries({ queryKey: adminKeys.members(departmentId) });
}

export function useAddMember(departmentId: number, on: Callbacks<Membership, NewMember> = {}) {
  const refresh = useRefreshMembers(departmentId);
  return useMutation({
    mutationFn: async (values: NewMember) =>
      unwrap(await api.POST("/api/v1/departments/{department_id}/members/", { ...inDepartment(departmentId), body: values })),
    ...thenRefresh(on, refresh),
  });
}

export function useChangeRole(departmentId: number, on: Callbacks<Membership, { id: number; role: RoleName }> = {}) {
  const refresh = useRefreshMembers(departmentId);
  return useMutation({
    mutationFn: async ({ id, role }: { id: number; role: RoleName }) =>
      unwrap(
        await api.PATCH("/api/v1/departments/{department_id}/members/{membership_id}/", {
          params: { path: { department_id: departmentId, membership_id: id } },
          body: { role },
        }),
      ),
    ...thenRefresh(on, refresh),
  });
}

export function useRemoveMember(departmentId: number, on: Callbacks<void, number> = {}) {
  const refresh = useRefreshMembers(departmentId);
  return useMutation({
    mutationFn: async (id: number) => {
      const result = await api.DELETE("/api/v1/departments/{department_id}/members/{membership_id}/", {
        params: { path: { department_id: departmentId, membership_id: id } },
      });
      if (!result.response.ok) unwrap(result);
    },
    ...thenRefresh(on, refresh),
  });
}

export function useApiKeys(departmentId: number) {
  return useQuery({
    queryKey: adminKeys.apiKeys(departmentId),
    queryFn: async () => rowsOf(unwrap(await api.GET("/api/v1/departments/{department_id}/api-keys/", inDepartment(departmentId)))),
  });
}

export function useCreateApiKey(departmentId: number, on: Callbacks<CreatedApiKey, NewApiKey> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (values: NewApiKey) =>
      unwrap(
        await api.POST("/api/v1/departments/{department_id}/api-keys/", {
          ...inDepartment(departmentId),
          body: {
            name: values.name,
            scopes: values.scopes,
            expires_at: values.expires ? values.expires.endOf("day").toISOString() : null,
          },
        }),
      ),
    ...thenRefresh(on, () => client.invalidateQueries({ queryKey: adminKeys.apiKeys(departmentId) })),
  });
}

export function useRevokeApiKey(departmentId: number, on: Callbacks<unknown, number> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(
        await api.POST("/api/v1/departments/{department_id}/api-keys/{key_id}/revoke/", {
          params: { path: { department_id: departmentId, key_id: id } },
        }),
      ),
    ...thenRefresh(on, () => client.invalidateQueries({ queryKey: adminKeys.apiKeys(departmentId) })),
  });
}

export function useQuotaUsage(departmentId: number) {
  return useQuery({
    queryKey: adminKeys.quotaUsage(departmentId),
    queryFn: async () => unwrap(await api.GET("/api/v1/departments/{department_id}/quota-usage/", inDepartment(departmentId))),
    refetchInterval: 30_000,
  });
}
