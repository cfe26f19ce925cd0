// The backend answers every error in one shape: {"error": {"code", "message", "details"}} (see
// bureau/api.py). These helpers turn what openapi-fetch returns into a message a person can read.
import i18n from "../i18n";

export interface ApiErrorBody {
  error?: { code?: string; message?: string; details?: Record<string, unknown> };
  detail?: string;
}

export class ApiError extends Error {
  status: number;
  code: string;
  details: Record<string, unknown>;

  constructor(status: number, body: unknown) {
    const parsed = (body ?? {}) as ApiErrorBody;
    const message =
      parsed.error?.message ?? parsed.detail ?? i18n.t("common:errors.unexpected", { status });
    super(message);
    this.status = status;
    this.code = parsed.error?.code ?? String(status);
    this.details = parsed.error?.details ?? {};
  }
}

/** Unwraps an openapi-fetch result: the data, or an ApiError with the server's message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    throw new ApiError(result.response.status, result.error);
  }
  return result.data as T;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return i18n.t("common:errors.unexpected", { status: "" });
}
