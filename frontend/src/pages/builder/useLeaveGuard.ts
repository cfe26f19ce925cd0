// Unsaved changes: the browser asks before a reload or closing the tab, and the editor asks before
// any move inside the app takes the person elsewhere: a link, a button, the browser's Back and
// Forward buttons (react-router's blocker, which needs the data router App.tsx creates).
import { App } from "antd";
import { useCallback, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { useBlocker, useNavigate } from "react-router";

/** While `dirty`, guards leaving the page; returns the way to leave for `href` (which asks first,
 * as every navigation does while there are unsaved changes). */
export function useLeaveGuard(dirty: boolean): (href: string) => void {
  const { t } = useTranslation("builder");
  const { modal } = App.useApp();
  const navigate = useNavigate();
  const blocker = useBlocker(({ currentLocation, nextLocation }) => dirty && currentLocation.pathname !== nextLocation.pathname);

  // The blocker object changes with each render: the dialog follows only its state.
  const latest = useRef(blocker);
  latest.current = blocker;
  useEffect(() => {
    if (blocker.state !== "blocked") return;
    const dialog = modal.confirm({
      title: t("editor.leaveTitle"),
      content: t("editor.leaveText"),
      okText: t("editor.leave"),
      cancelText: t("editor.stay"),
      onOk: () => latest.current.proceed?.(),
      onCancel: () => latest.current.reset?.(),
    });
    // StrictMode mounts effects twice: the first dialog goes with the first mount.
    return () => dialog.destroy();
  }, [blocker.state, modal, t]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => {
      event.preventDefault();
    };
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  return useCallback((href: string) => void navigate(href), [navigate]);
}
