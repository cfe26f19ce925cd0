// Unsaved changes: the browser asks before a reload or closing the tab, and the editor asks before
// a link of the app (the navigation) takes the person elsewhere.
import { App } from "antd";
import { useCallback, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

/** While `dirty`, guards leaving the page; returns the way to leave for `href` that asks first. */
export function useLeaveGuard(dirty: boolean): (href: string) => void {
  const { t } = useTranslation("builder");
  const { modal } = App.useApp();
  const navigate = useNavigate();

  const leave = useCallback(
    (href: string) => {
      if (!dirty) return void navigate(href);
      modal.confirm({
        title: t("editor.leaveTitle"),
        content: t("editor.leaveText"),
        okText: t("editor.leave"),
        cancelText: t("editor.stay"),
        onOk: () => navigate(href),
      });
    },
    [dirty, modal, navigate, t],
  );

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    const intercept = (event: MouseEvent) => {
      const link = (event.target as Element | null)?.closest?.("a[href]");
      const href = link?.getAttribute("href");
      if (!href || !href.startsWith("/") || link?.getAttribute("download") !== null) return;
      event.preventDefault();
      event.stopPropagation();
      leave(href);
    };
    window.addEventListener("beforeunload", warn);
    document.addEventListener("click", intercept, true);
    return () => {
      window.removeEventListener("beforeunload", warn);
      document.removeEventListener("click", intercept, true);
    };
  }, [dirty, leave]);

  return leave;
}
