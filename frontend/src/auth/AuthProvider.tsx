// Who is signed in, and what they may open. The session lives in Django's cookie; /api/v1/me/ says
// who it is and in which departments with which role. Screens use `useAuth()` to hide what a role
// cannot use (the API still checks every request).
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useCallback, useContext, useMemo, type ReactNode } from "react";

import { api } from "../api/client";
import { ApiError, unwrap } from "../api/errors";
import type { components } from "../api/schema";
import { signOut as allauthSignOut } from "./allauth";

export type Me = components["schemas"]["Me"];
export type Role = "org_admin" | "auditor" | "dept_admin" | "builder" | "member";

const RANK: Record<Role, number> = { member: 0, builder: 1, dept_admin: 2, auditor: 3, org_admin: 4 };

export interface AuthState {
  me: Me | null;
  loading: boolean;
  /** the organization the user works in (the first one of their memberships) */
  organizationId: number | null;
  isOrgAdmin: boolean;
  isAuditor: boolean;
  /** departments where the user holds at least `role` (org admins: every department they see) */
  departmentsWith: (role: Role) => { id: number; name: string }[];
  canBuild: boolean;
  canAdminDepartment: boolean;
  /** reads an audit log: the organization's (org admins, auditors) or their departments' (department admins) */
  canReadAudit: boolean;
  refresh: () => Promise<void>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);

export const ME_QUERY_KEY = ["me"];

async function fetchMe(): Promise<Me | null> {
  try {
    return unwrap(await api.GET("/api/v1/me/"));
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403 || error.status === 404)) {
      return null;
    }
    throw error;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const query = useQuery({ queryKey: ME_QUERY_KEY, queryFn: fetchMe, staleTime: 60_000, retry: false });
  const me = query.data ?? null;

  const refresh = useCallback(async () => {
    await queryClient.invalidateQueries({ queryKey: ME_QUERY_KEY });
  }, [queryClient]);

  // Every cached answer goes: the next person to sign in on this browser must not see the last
  // one's data. The "me" query is emptied rather than removed: removing it would leave the observer
  // above on a query no longer in the cache, still holding the person who just left (the login page
  // then saw them signed in and sent the browser back to /chat), and blind to the next sign-in.
  const signOut = useCallback(async () => {
    await allauthSignOut();
    await queryClient.cancelQueries();
    queryClient.setQueryData(ME_QUERY_KEY, null);
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== ME_QUERY_KEY[0] });
    queryClient.getMutationCache().clear();
  }, [queryClient]);

  const value = useMemo<AuthState>(() => {
    const memberships = me?.memberships ?? [];
    const roles = memberships.map((m) => m.role as Role);
    const isOrgAdmin = roles.includes("org_admin");
    const isAuditor = roles.includes("auditor");
    const departmentsWith = (role: Role) =>
      memberships
        .filter((m) => RANK[m.role as Role] >= RANK[role] && !["org_admin", "auditor"].includes(m.role))
        .map((m) => ({ id: m.department_id, name: m.department_name }));
    return {
      me,
      loading: query.isLoading,
      organizationId: memberships[0]?.organization_id ?? null,
      isOrgAdmin,
      isAuditor,
      departmentsWith,
      canBuild: isOrgAdmin || departmentsWith("builder").length > 0,
      canAdminDepartment: isOrgAdmin || departmentsWith("dept_admin").length > 0,
      canReadAudit: isOrgAdmin || isAuditor || departmentsWith("dept_admin").length > 0,
      refresh,
      signOut,
    };
  }, [me, query.isLoading, refresh, signOut]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const context = useContext(AuthContext);
  if (!context) throw new Error("useAuth outside AuthProvider");
  return context;
}
