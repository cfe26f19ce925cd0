// django-allauth's headless API for browsers (/_allauth/browser/v1/...): the session cookie carries
// the sign-in, and every write needs the CSRF token. See the allauth headless specification served
// at /_allauth/openapi.html.
import { baseHeaders } from "../api/client";

const BASE = "/_allauth/browser/v1";

export interface AllauthFlow {
  id: string;
  is_pending?: boolean;
}

export interface AllauthResponse {
  status: number;
  data?: { flows?: AllauthFlow[]; user?: { id: number; email: string } };
  meta?: { is_authenticated?: boolean };
  errors?: { message: string; code: string; param?: string }[];
}

export type SignInOutcome = "signed_in" | "mfa_required" | "invalid" | "rate_limited";

async function call(method: string, path: string, body?: unknown): Promise<AllauthResponse> {
  const response = await fetch(`${BASE}${path}`, {
    method,
    credentials: "same-origin",
    headers: { ...baseHeaders(), ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const parsed = (await response.json().catch(() => ({}))) as AllauthResponse;
  return { ...parsed, status: response.status };
}

function outcome(response: AllauthResponse): SignInOutcome {
  if (response.status === 200 && response.meta?.is_authenticated) return "signed_in";
  if (response.status === 429) return "rate_limited";
  if (response.status === 401 && response.data?.flows?.some((f) => f.id === "mfa_authenticate" && f.is_pending)) {
    return "mfa_required";
  }
  return "invalid";
}

export async function sessionIsActive(): Promise<boolean> {
  const response = await call("GET", "/auth/session");
  return response.status === 200 && Boolean(response.meta?.is_authenticated);
}

export async function signIn(email: string, password: string): Promise<SignInOutcome> {
  return outcome(await call("POST", "/auth/login", { email, password }));
}

export async function authenticateMfa(code: string): Promise<SignInOutcome> {
  return outcome(await call("POST", "/auth/2fa/authenticate", { code }));
}

export async function signOut(): Promise<void> {
  await call("DELETE", "/auth/session");
}
