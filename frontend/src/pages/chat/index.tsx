// The chat: the assistants I may use, conversations with them (streamed answers with citations,
// tools, files) and my history (a side panel on a laptop, a drawer on a phone).
import { HistoryOutlined } from "@ant-design/icons";
import { Button, Drawer, Grid } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Route, Routes } from "react-router";

import { NotFoundPage } from "../../components/StatusPages";
import { AssistantsPage } from "./AssistantsPage";
import { ConversationScreen } from "./ConversationScreen";
import { HistoryPanel } from "./HistoryPanel";
import { ChatStreamsProvider } from "./streams";
import "./chat.css";

function ChatShell({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation("chat");
  const screens = Grid.useBreakpoint();
  const wide = screens.lg ?? true;
  const [open, setOpen] = useState(false);
  if (wide) {
    return (
      <div className="chat-shell">
        <aside className="chat-shell-history">
          <div className="chat-shell-history-inner">
            <HistoryPanel />
          </div>
        </aside>
        <div className="chat-shell-main">{children}</div>
      </div>
    );
  }
  return (
    <div className="chat-shell-compact">
      <Button icon={<HistoryOutlined />} onClick={() => setOpen(true)} className="chat-history-toggle">
        {t("history.open")}
      </Button>
      {children}
      <Drawer open={open} onClose={() => setOpen(false)} placement="left" title={t("history.title")} size={300}>
        <HistoryPanel inDrawer onNavigate={() => setOpen(false)} />
      </Drawer>
    </div>
  );
}

export default function ChatSection() {
  return (
    <ChatStreamsProvider>
      <Routes>
        <Route index element={<ChatShell><AssistantsPage /></ChatShell>} />
        <Route path="a/:assistantId" element={<ChatShell><ConversationScreen key="a" mode="assistant" /></ChatShell>} />
        <Route path="c/:conversationId" element={<ChatShell><ConversationScreen mode="conversation" /></ChatShell>} />
        <Route path="*" element={<ChatShell><NotFoundPage /></ChatShell>} />
      </Routes>
    </ChatStreamsProvider>
  );
}
