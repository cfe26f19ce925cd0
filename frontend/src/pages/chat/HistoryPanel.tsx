// My conversations, grouped by date: open, rename, delete (after a confirmation).
import { DeleteOutlined, EditOutlined, MoreOutlined, PlusOutlined } from "@ant-design/icons";
import { App, Button, Dropdown, Form, Input, Modal, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";

import { errorMessage } from "../../api/errors";
import { EmptyState, QueryState } from "../../components/PageState";
import { useConversations, useDeleteConversation, useRenameConversation, type Conversation } from "./api";
import { groupByDate } from "./history";

function RenameDialog({ conversation, onClose }: { conversation: Conversation | null; onClose: () => void }) {
  const { t } = useTranslation("chat");
  const { message } = App.useApp();
  const rename = useRenameConversation();
  const [form] = Form.useForm<{ title: string }>();
  return (
    <Modal
      open={conversation !== null}
      title={t("history.renameTitle")}
      okText={t("common:actions.save")}
      cancelText={t("common:actions.cancel")}
      confirmLoading={rename.isPending}
      onCancel={onClose}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{ title: conversation?.title ?? "" }}
        onFinish={async ({ title }) => {
          if (!conversation) return;
          try {
            await rename.mutateAsync({ id: conversation.id, title: title.trim() });
            message.success(t("history.renamed"));
            onClose();
          } catch (error) {
            message.error(errorMessage(error));
          }
        }}
      >
        <Form.Item
          name="title"
          label={t("history.titleLabel")}
          rules={[{ required: true, whitespace: true, message: t("history.titleRequired") }, { max: 300 }]}
        >
          <Input autoFocus maxLength={300} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

export function HistoryPanel({ onNavigate, inDrawer = false }: { onNavigate?: () => void; inDrawer?: boolean }) {
  const { t, i18n } = useTranslation("chat");
  const { modal, message } = App.useApp();
  const query = useConversations();
  const remove = useDeleteConversation();
  const navigate = useNavigate();
  const { conversationId } = useParams();
  const [renaming, setRenaming] = useState<Conversation | null>(null);
  const groups = useMemo(() => groupByDate(query.data ?? [], new Date()), [query.data]);
  const timeFormat = useMemo(
    () => new Intl.DateTimeFormat(i18n.language === "en" ? "en-GB" : "vi-VN", { dateStyle: "short" }),
    [i18n.language],
  );

  const confirmDelete = (conversation: Conversation) => {
    modal.confirm({
      title: t("history.deleteTitle"),
      content: t("history.deleteBody", { title: conversation.title || t("history.untitled") }),
      okText: t("common:actions.delete"),
      okButtonProps: { danger: true },
      cancelText: t("common:actions.cancel"),
      onOk: async () => {
        try {
          await remove.mutateAsync(conversation.id);
          message.success(t("history.deleted"));
          if (String(conversation.id) === conversationId) navigate("/chat");
        } catch (error) {
          message.error(errorMessage(error));
        }
      },
    });
  };

  return (
    <nav className="chat-history" aria-label={t("history.title")}>
      <div className="chat-history-head">
        {!inDrawer && (
          <Typography.Title level={2} className="chat-history-title">
            {t("history.title")}
          </Typography.Title>
        )}
        <Button
          icon={<PlusOutlined />}
          type="primary"
          ghost
          onClick={() => {
            navigate("/chat");
            onNavigate?.();
          }}
        >
          {t("history.new")}
        </Button>
      </div>
      <QueryState query={query} isEmpty={(items) => items.length === 0} empty={<EmptyState description={t("history.empty")} />}>
        {() =>
          groups.map(({ group, items }) => (
            <section key={group} className="chat-history-group">
              <Typography.Text type="secondary" className="chat-history-group-title">
                {t(`history.groups.${group}`)}
              </Typography.Text>
              <ul>
                {items.map((conversation) => {
                  const active = String(conversation.id) === conversationId;
                  const title = conversation.title || t("history.untitled");
                  return (
                    <li key={conversation.id} className={active ? "chat-history-item active" : "chat-history-item"}>
                      <Link
                        to={`/chat/c/${conversation.id}`}
                        onClick={onNavigate}
                        aria-current={active ? "page" : undefined}
                        className="chat-history-link"
                      >
                        <span className="chat-history-item-title">{title}</span>
                        <span className="chat-history-item-meta">
                          {conversation.assistant_name} · {timeFormat.format(new Date(conversation.updated_at))}
                        </span>
                      </Link>
                      <Dropdown
                        trigger={["click"]}
                        menu={{
                          items: [
                            { key: "rename", icon: <EditOutlined />, label: t("history.rename") },
                            { key: "delete", icon: <DeleteOutlined />, label: t("history.delete"), danger: true },
                          ],
                          onClick: ({ key }) => (key === "rename" ? setRenaming(conversation) : confirmDelete(conversation)),
                        }}
                      >
                        <Button type="text" size="small" icon={<MoreOutlined />} aria-label={t("history.actionsFor", { title })} />
                      </Dropdown>
                    </li>
                  );
                })}
              </ul>
            </section>
          ))
        }
      </QueryState>
      <RenameDialog conversation={renaming} onClose={() => setRenaming(null)} />
    </nav>
  );
}
