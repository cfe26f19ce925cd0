// The frame of every signed-in screen: the navigation (a side bar on a laptop, a drawer on a phone),
// the language switch and the account menu. What a role cannot use is not shown (the API still
// checks every request).
import {
  AuditOutlined,
  BookOutlined,
  GlobalOutlined,
  LogoutOutlined,
  MenuOutlined,
  MessageOutlined,
  RobotOutlined,
  SettingOutlined,
  TeamOutlined,
  UserOutlined,
} from "@ant-design/icons";
import { Button, Drawer, Dropdown, Grid, Layout, Menu, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, Outlet, useLocation, useNavigate } from "react-router";

import { useAuth } from "../auth/AuthProvider";
import { LANGUAGES, setLanguage, type Language } from "../i18n";

const { Header, Sider, Content } = Layout;

function useNavItems() {
  const { t } = useTranslation();
  const auth = useAuth();
  const items = [
    { key: "/chat", icon: <MessageOutlined />, label: t("nav.chat"), show: true },
    { key: "/builder", icon: <RobotOutlined />, label: t("nav.builder"), show: auth.canBuild },
    { key: "/knowledge", icon: <BookOutlined />, label: t("nav.knowledge"), show: true },
    { key: "/admin", icon: <TeamOutlined />, label: t("nav.admin"), show: auth.canAdminDepartment },
    { key: "/audit", icon: <AuditOutlined />, label: t("nav.audit"), show: auth.canReadAudit },
    { key: "/settings", icon: <SettingOutlined />, label: t("nav.settings"), show: auth.isOrgAdmin },
  ];
  return items
    .filter((item) => item.show)
    .map(({ key, icon, label }) => ({ key, icon, label: <Link to={key}>{label}</Link> }));
}

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <Dropdown
      menu={{
        selectable: true,
        selectedKeys: [i18n.language],
        items: LANGUAGES.map((lng) => ({ key: lng, label: t(`languages.${lng}`), lang: lng })),
        onClick: ({ key }) => setLanguage(key as Language),
      }}
    >
      <Button type="text" icon={<GlobalOutlined />} aria-label={t("user.language")} data-testid="language-switch">
        {t(`languages.${i18n.language}`)}
      </Button>
    </Dropdown>
  );
}

function AccountMenu() {
  const { t } = useTranslation();
  const auth = useAuth();
  const navigate = useNavigate();
  return (
    <Dropdown
      menu={{
        items: [{ key: "signout", icon: <LogoutOutlined />, label: t("user.signOut") }],
        onClick: async () => {
          await auth.signOut();
          // Not back to where they were: the next person signs in to the start page.
          navigate("/login", { replace: true, state: null });
        },
      }}
    >
      <Button type="text" icon={<UserOutlined />} aria-label={t("user.account")} data-testid="account-menu">
        <span className="bureau-account-name">{auth.me?.full_name || auth.me?.email}</span>
      </Button>
    </Dropdown>
  );
}

export function AppLayout() {
  const { t } = useTranslation();
  const location = useLocation();
  const screens = Grid.useBreakpoint();
  const compact = !screens.md;
  const [drawerOpen, setDrawerOpen] = useState(false);
  const items = useNavItems();
  const selected = items.map((i) => i.key).filter((key) => location.pathname.startsWith(key));

  const menu = (
    <Menu
      mode="inline"
      selectedKeys={selected}
      items={items}
      onClick={() => setDrawerOpen(false)}
      aria-label={t("nav.mainNavigation")}
    />
  );

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <a href="#main" className="bureau-skip-link">
        {t("skipToContent")}
      </a>
      {!compact && (
        <Sider theme="light" width={232} breakpoint="lg" collapsedWidth={72} style={{ borderRight: "1px solid #f0f0f0" }}>
          <div className="bureau-brand">
            <Typography.Text strong>{t("appName")}</Typography.Text>
          </div>
          <nav>{menu}</nav>
        </Sider>
      )}
      <Layout>
        <Header className="bureau-header">
          <Space>
            {compact && (
              <Button
                type="text"
                icon={<MenuOutlined />}
                aria-label={t("nav.menu")}
                onClick={() => setDrawerOpen(true)}
              />
            )}
            {compact && <Typography.Text strong>{t("appName")}</Typography.Text>}
          </Space>
          <Space>
            <LanguageSwitch />
            <AccountMenu />
          </Space>
        </Header>
        <Content id="main" tabIndex={-1} className="bureau-content">
          <Outlet />
        </Content>
      </Layout>
      <Drawer open={drawerOpen} onClose={() => setDrawerOpen(false)} placement="left" title={t("appName")} size={260}>
        <nav>{menu}</nav>
      </Drawer>
    </Layout>
  );
}
