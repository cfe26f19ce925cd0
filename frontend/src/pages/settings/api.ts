// The organization's settings: model providers and the governance policy, as TanStack Query hooks.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { thenRefresh, type Callbacks } from "../../api/callbacks";
import { api } from "../../api/client";
import { unwrap } from "../../api/errors";
import { rowsOf } from "../../api/paginated";
import type { components } from "../../api/schema";

export type Provider = components["schemas"]["ModelProvider"];
export type ConnectionTest = components["schemas"]["ConnectionTest"];
export type Policy = components["schemas"]["OrganizationPolicy"];
export type PolicyForm = Pick<Policy, "require_publish_review" | "redact_pii"> & { default_retention_days?: number | null };
export type Classification = "public" | "internal" | "confidential" | "secret";
export type ProviderForm = {
  name: string;
  base_url: string;
  api_key?: string;
  chat_models: string[];
  embedding_models: string[];
  default_chat_model: string;
  on_premises: boolean;
  allowed_classifications: Classification[];
  is_default: boolean;
};

export const settingsKeys = {
  providers: ["model-providers"] as const,
  policy: (organizationId: number) => ["policy", organizationId] as const,
};

export function useProviders() {
  return useQuery({
    queryKey: settingsKeys.providers,
    queryFn: async () => rowsOf(unwrap(await api.GET("/api/v1/model-providers/"))),
  });
}

function useRefreshProviders() {
  const client = useQueryClient();
  return () => void client.invalidateQueries({ queryKey: settingsKeys.providers });
}

/** Saves the form as a new provider, or into `editing`. */
export function useSaveProvider(editing: Provider | "new" | null, on: Callbacks<Provider, ProviderForm> = {}) {
  const refresh = useRefreshProviders();
  return useMutation({
    mutationFn: async (values: ProviderForm) => {
      const body = { ...values };
      if (!body.api_key) delete body.api_key; // left empty: keep the current key
      if (editing === "new" || editing === null) return unwrap(await api.POST("/api/v1/model-providers/", { body }));
      return unwrap(
        await api.PATCH("/api/v1/model-providers/{provider_id}/", { params: { path: { provider_id: editing.id } }, body }),
      );
    },
    ...thenRefresh(on, refresh),
  });
}

export function useTestProvider(on: Callbacks<ConnectionTest, number> = {}) {
  return useMutation({
    mutationFn: async (id: number) =>
      unwrap(await api.POST("/api/v1/model-providers/{provider_id}/test", { params: { path: { provider_id: id } } })),
    onSuccess: on.onSuccess,
    onError: on.onError,
  });
}

export function useDeleteProvider(on: Callbacks<void, number> = {}) {
  const refresh = useRefreshProviders();
  return useMutation({
    mutationFn: async (id: number) => {
      const result = await api.DELETE("/api/v1/model-providers/{provider_id}/", { params: { path: { provider_id: id } } });
      if (!result.response.ok) unwrap(result);
    },
    ...thenRefresh(on, refresh),
  });
}

const ofOrganization = (organizationId: number) => ({ params: { path: { organization_id: organizationId } } });

export function usePolicy(organizationId: number) {
  return useQuery({
    queryKey: settingsKeys.policy(organizationId),
    queryFn: async () => unwrap(await api.GET("/api/v1/organizations/{organization_id}/policy/", ofOrganization(organizationId))),
  });
}

export function useSavePolicy(organizationId: number, on: Callbacks<Policy, PolicyForm> = {}) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (values: PolicyForm) =>
      unwrap(await api.PATCH("/api/v1/organizations/{organization_id}/policy/", { ...ofOrganization(organizationId), body: values })),
    onSuccess: (policy, values) => {
      client.setQueryData(settingsKeys.policy(organizationId), policy);
      on.onSuccess?.(policy, values);
    },
    onError: on.onError,
  });
}
