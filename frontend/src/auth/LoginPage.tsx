// Sign-in: email and password, then the second factor when the account has one.
import { Alert, Button, Card, Form, Input, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation, useNavigate } from "react-router";

import { LanguageSwitch } from "../layout/AppLayout";
import { authenticateMfa, signIn, type SignInOutcome } from "./allauth";
import { useAuth } from "./AuthProvider";

const MESSAGES: Partial<Record<SignInOutcome, string>> = {
  invalid: "invalid",
  rate_limited: "tooMany",
};

export function LoginPage() {
  const { t } = useTranslation("auth");
  const auth = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const [step, setStep] = useState<"password" | "mfa">("password");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const next = (location.state as { from?: string } | null)?.from ?? "/chat";

  if (auth.me) return <Navigate to={next} replace />;

  async function finish(outcome: SignInOutcome) {
    if (outcome === "signed_in") {
      await auth.refresh();
      navigate(next, { replace: true });
    } else if (outcome === "mfa_required") {
      setProblem(null);
      setStep("mfa");
    } else {
      setProblem(step === "mfa" && outcome === "invalid" ? t("mfaInvalid") : t(MESSAGES[outcome] ?? "invalid"));
    }
  }

  async function submitPassword(values: { email: string; password: string }) {
    setBusy(true);
    try {
      await finish(await signIn(values.email, values.password));
    } finally {
      setBusy(false);
    }
  }

  async function submitCode(values: { code: string }) {
    setBusy(true);
    try {
      await finish(await authenticateMfa(values.code.trim()));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="bureau-login">
      <Card style={{ width: "100%", maxWidth: 400 }}>
        <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
          <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center" }}>
            <Typography.Title level={1} style={{ margin: 0, fontSize: 24 }}>
              {step === "password" ? t("title") : t("mfaTitle")}
            </Typography.Title>
            <LanguageSwitch />
          </div>
          <Typography.Text type="secondary">{step === "password" ? t("subtitle") : t("mfaHelp")}</Typography.Text>
          {problem && <Alert type="error" showIcon title={problem} role="alert" />}
          {step === "password" ? (
            <Form layout="vertical" onFinish={submitPassword} requiredMark={false} name="login">
              <Form.Item
                label={t("email")}
                name="email"
                rules={[{ required: true, message: t("required", { field: t("email").toLowerCase() }) }]}
              >
                <Input type="email" autoComplete="username" autoFocus />
              </Form.Item>
              <Form.Item
                label={t("password")}
                name="password"
                rules={[{ required: true, message: t("required", { field: t("password").toLowerCase() }) }]}
              >
                <Input.Password autoComplete="current-password" />
              </Form.Item>
              <Button type="primary" htmlType="submit" block loading={busy}>
                {t("submit")}
              </Button>
            </Form>
          ) : (
            <Form layout="vertical" onFinish={submitCode} requiredMark={false} name="mfa">
              <Form.Item label={t("mfaCode")} name="code" rules={[{ required: true, message: t("mfaInvalid") }]}>
                <Input autoComplete="one-time-code" inputMode="numeric" autoFocus />
              </Form.Item>
              <Button type="primary" htmlType="submit" block loading={busy}>
                {t("mfaSubmit")}
              </Button>
            </Form>
          )}
        </Space>
      </Card>
    </main>
  );
}
